import { z } from 'zod';
import { InvalidArgumentError } from '../../core/errors.js';
import { ADMIN_STATES, type AdminState } from '../../core/types.js';
import { targetSchema } from '../../config/schema.js';
import type { PoolRuntime } from '../../pool/pool-runtime.js';
import { formatHostPort } from '../../core/address.js';
import { findTarget, targetIdOf } from '../../pool/target-admin.js';
import type { Target } from '../../pool/target.js';
import { parseBody } from '../body.js';
import type { AdminContext } from '../context.js';
import type { AdminRequest, Route } from '../router.js';
import { openBytesOf, targetView } from '../runtime-view.js';
import { findPool } from './pools.js';

// Runtime membership changes. What a reload does to them is said in every answer (`note`).
const MEMBERSHIP_NOTE =
  "runtime change: the next reload resets this pool's targets and weights to the config file (admin states survive for targets the config names)";
const ADDED_NOTE =
  'this target was added at runtime: the next reload removes it (it drains) unless the config names it';

const patchSchema = z
  .object({
    // The same rule as a weight in the config file.
    weight: z
      .number()
      .int()
      .min(1, 'weight must be at least 1 (use state "maint" to take a target out)')
      .max(1000, 'weight must be at most 1000')
      .optional(),
    state: z.enum(ADMIN_STATES as [AdminState, ...AdminState[]]).optional(),
  })
  .strict()
  .refine((b) => b.weight !== undefined || b.state !== undefined, { message: 'give "weight", "state" or both' });

/** The cause the store records: `admin PATCH by 127.0.0.1`. */
const causeOf = (req: AdminRequest): string => `admin ${req.method} by ${req.remote ?? 'unknown'}`;

function targetParam(req: AdminRequest): string {
  try {
    return targetIdOf(req.params.target!);
  } catch (e) {
    throw new InvalidArgumentError(
      `${e instanceof Error ? e.message : String(e)} (write it as HOST:PORT, IPv6 as [ADDR]:PORT, URL-encoded)`,
    );
  }
}

const answer = (ctx: AdminContext, rt: PoolRuntime, t: Target, note: string) => {
  const target = targetView(rt, t, openBytesOf(ctx.app));
  return { target, note: target.fromConfig ? note : `${note}; ${ADDED_NOTE}` };
};

export const targetRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/pools/:pool/targets/:target',
    handle: (req, ctx) => {
      const rt = findPool(ctx, req.params.pool!);
      const t = findTarget(rt, targetParam(req));
      return { json: targetView(rt, t, openBytesOf(ctx.app)) };
    },
  },
  {
    method: 'POST',
    path: '/api/pools/:pool/targets',
    body: true,
    handle: async (req, ctx) => {
      const rt = findPool(ctx, req.params.pool!);
      const spec = parseBody(targetSchema, await req.json(), 'target');
      const id = formatHostPort(spec);
      ctx.app.store.addTarget(rt.name, { ...spec, id }, causeOf(req));
      const t = findTarget(rt, id);
      return { status: 201, json: answer(ctx, rt, t, MEMBERSHIP_NOTE) };
    },
  },
  {
    method: 'DELETE',
    path: '/api/pools/:pool/targets/:target',
    handle: (req, ctx) => {
      const rt = findPool(ctx, req.params.pool!);
      const t = findTarget(rt, targetParam(req));
      ctx.app.store.removeTarget(rt.name, t.id, causeOf(req));
      const open = t.activeConnections;
      const drain =
        open > 0
          ? `it drains: its ${open} open connection${open === 1 ? '' : 's'} finish, no new ones`
          : 'it had no open connections';
      return { json: answer(ctx, rt, t, `${drain}; ${MEMBERSHIP_NOTE}`) };
    },
  },
  {
    method: 'PATCH',
    path: '/api/pools/:pool/targets/:target',
    body: true,
    handle: async (req, ctx: AdminContext) => {
      const rt = findPool(ctx, req.params.pool!);
      const id = targetParam(req);
      findTarget(rt, id);
      const body = parseBody(patchSchema, await req.json(), 'target change');
      const notes: string[] = [];
      if (body.weight !== undefined) {
        ctx.app.store.setWeight(rt.name, id, body.weight, causeOf(req));
        notes.push(MEMBERSHIP_NOTE);
      }
      if (body.state !== undefined) {
        ctx.app.store.setAdminState(rt.name, id, body.state, causeOf(req));
        notes.push('the admin state survives reloads while the config names this target');
      }
      return { json: answer(ctx, rt, findTarget(rt, id), notes.join('; ')) };
    },
  },
];
