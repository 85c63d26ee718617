import { z } from 'zod';
import { InvalidArgumentError } from '../../core/errors.js';
import { openConnections } from '../../listener/open-connections.js';
import { findTarget, targetIdOf } from '../../pool/target-admin.js';
import type { Route } from '../router.js';
import { findPool } from './pools.js';

/** At most this many connections in one answer: the newest ones. */
export const MAX_CONNECTIONS_LISTED = 500;

const limitSchema = z.coerce.number().int().min(1).max(MAX_CONNECTIONS_LISTED);

/**
 * GET /api/pools/:pool/targets/:target/connections?limit=N: the open connections of one target,
 * newest first (client, age, bytes each way). A scan of the open sessions, for an operator's
 * look, not for polling. With --workers N every worker lists its own (each entry says which
 * worker holds it) and the newest of all of them are shown.
 */
export const connectionRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/pools/:pool/targets/:target/connections',
    handle: async (req, ctx) => {
      const pool = findPool(ctx, req.params.pool!);
      let id: string;
      try {
        id = targetIdOf(req.params.target!);
      } catch (e) {
        throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
      }
      findTarget(ctx.app.store, pool, id);
      const raw = req.query.get('limit') ?? '200';
      const limit = limitSchema.safeParse(raw);
      if (!limit.success)
        throw new InvalidArgumentError(`limit: a whole number from 1 to ${MAX_CONNECTIONS_LISTED}, not "${raw}"`);
      const connections = ctx.connections
        ? await ctx.connections(pool, id, limit.data)
        : openConnections(ctx.app.listeners().values(), pool, id, limit.data);
      return {
        json: {
          pool,
          target: id,
          open: ctx.app.traffic()[pool]?.[id]?.active ?? 0,
          shown: connections.length,
          connections,
        },
      };
    },
  },
];
