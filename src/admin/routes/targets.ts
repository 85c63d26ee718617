import { z } from 'zod';
import { InvalidArgumentError } from '../../core/errors.js';
import { ADMIN_STATES, type AdminState } from '../../core/types.js';
import { targetSchema } from '../../config/schema.js';
import { formatHostPort } from '../../core/address.js';
import { findTarget, targetIdOf } from '../../pool/target-admin.js';
import { parseBody } from '../body.js';
import type { AdminContext } from '../context.js';
import type { AdminRequest, Route } from '../router.js';
import { configuredIn, targetView, type ShownTarget } from '../runtime-view.js';
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

/** A target of the store with the data planes' counters. */
const viewOf = (ctx: AdminContext, pool: string, t: ShownTarget, removed = false) =>
  targetView(t, ctx.app.traffic()[pool]?.[t.id], { removed, configured: configuredIn(ctx.app, pool) });

const answer = (ctx: AdminContext, pool: string, t: ShownTarget, note: string, removed = false) => {
  const target = viewOf(ctx, pool, t, removed);
  return { target, note: target.fromConfig ? note : `${note}; ${ADDED_NOTE}` };
};

export const targetRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/pools/:pool/targets/:target',
    handle: (req, ctx) => {
      const pool = findPool(ctx, req.params.pool!);
      return { json: viewOf(ctx, pool, findTarget(ctx.app.store, pool, targetParam(req))) };
    },
  },
  {
    method: 'POST',
    path: '/api/pools/:pool/targets',
    body: true,
    handle: async (req, ctx) => {
      const pool = findPool(ctx, req.params.pool!);
      const spec = parseBody(targetSchema, await req.json(), 'target');
      const id = formatHostPort(spec);
      ctx.app.store.addTarget(pool, { ...spec, id }, causeOf(req));
      return { status: 201, json: answer(ctx, pool, findTarget(ctx.app.store, pool, id), MEMBERSHIP_NOTE) };
    },
  },
  {
    method: 'DELETE',
    path: '/api/pools/:pool/targets/:target',
    handle: (req, ctx) => {
      const pool = findPool(ctx, req.params.pool!);
      const t = findTarget(ctx.app.store, pool, targetParam(req));
      const view = viewOf(ctx, pool, t, true); // its counters as it leaves
      ctx.app.store.removeTarget(pool, t.id, causeOf(req));
      const open = view.activeConnections;
      const drain =
        open > 0
          ? `it drains: its ${open} open connection${open === 1 ? '' : 's'} finish, no new ones`
          : 'it had no open connections';
      const note = `${drain}; ${MEMBERSHIP_NOTE}`;
      return { json: { target: view, note: view.fromConfig ? note : `${note}; ${ADDED_NOTE}` } };
    },
  },
  {
    method: 'PATCH',
    path: '/api/pools/:pool/targets/:target',
    body: true,
    handle: async (req, ctx: AdminContext) => {
      const pool = findPool(ctx, req.params.pool!);
      const id = targetParam(req);
      findTarget(ctx.app.store, pool, id);
      const body = parseBody(patchSchema, await req.json(), 'target change');
      const notes: string[] = [];
      if (body.weight !== undefined) {
        ctx.app.store.setWeight(pool, id, body.weight, causeOf(req));
        notes.push(MEMBERSHIP_NOTE);
      }
      if (body.state !== undefined) {
        ctx.app.store.setAdminState(pool, id, body.state, causeOf(req));
        notes.push('the admin state survives reloads while the config names this target');
      }
      return { json: answer(ctx, pool, findTarget(ctx.app.store, pool, id), notes.join('; ')) };
    },
  },
];
