import { z } from 'zod';
import { formatHostPort } from '../../core/address.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { findTarget, targetIdOf } from '../../pool/target-admin.js';
import type { Route } from '../router.js';
import { findPool } from './pools.js';

/** At most this many connections in one answer: the newest ones. */
export const MAX_CONNECTIONS_LISTED = 500;

const limitSchema = z.coerce.number().int().min(1).max(MAX_CONNECTIONS_LISTED);

/**
 * GET /api/pools/:pool/targets/:target/connections?limit=N: the open connections of one target,
 * newest first (client, age, bytes each way). A scan of the open sessions, for an operator's
 * look, not for polling. With --workers N the sessions live in the workers: the list is empty and
 * `open` still says how many there are.
 */
export const connectionRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/pools/:pool/targets/:target/connections',
    handle: (req, ctx) => {
      const rt = findPool(ctx, req.params.pool!);
      let id: string;
      try {
        id = targetIdOf(req.params.target!);
      } catch (e) {
        throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
      }
      const t = findTarget(rt, id);
      const raw = req.query.get('limit') ?? '200';
      const limit = limitSchema.safeParse(raw);
      if (!limit.success)
        throw new InvalidArgumentError(`limit: a whole number from 1 to ${MAX_CONNECTIONS_LISTED}, not "${raw}"`);
      const now = performance.now();
      const all = [];
      for (const l of ctx.app.listeners().values())
        for (const s of l.sessions())
          if (s.ctx.pool.name === rt.name && s.target?.id === id)
            all.push({
              client: formatHostPort({ host: s.info.clientIp, port: s.info.clientPort }),
              listener: l.name,
              ageSeconds: Math.round((now - s.startedAt) / 100) / 10,
              bytesFromClient: s.bytesFromClient,
              bytesToClient: s.bytesToClient,
            });
      all.sort((a, b) => a.ageSeconds - b.ageSeconds);
      return {
        json: {
          pool: rt.name,
          target: id,
          open: t.activeConnections,
          shown: Math.min(all.length, limit.data),
          connections: all.slice(0, limit.data),
          ...(ctx.workers
            ? { note: 'with --workers N the connections live in the workers: only their count is shown' }
            : {}),
        },
      };
    },
  },
];
