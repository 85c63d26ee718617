import { formatHostPort } from '../core/address.js';
import type { Listener } from './listener.js';

/** One open connection of a target, as GET /api/pools/:pool/targets/:target/connections lists it. */
export interface OpenConnection {
  readonly client: string;
  readonly listener: string;
  readonly ageSeconds: number;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  /** The cluster worker (slot) that holds it; absent in a single process. */
  readonly worker?: number;
}

/** Newest first (the youngest connection leads), at most `limit`. */
export function newestFirst(lists: readonly (readonly OpenConnection[])[], limit: number): OpenConnection[] {
  return lists
    .flat()
    .sort((a, b) => a.ageSeconds - b.ageSeconds)
    .slice(0, limit);
}

/**
 * The open connections of target `target` of pool `pool`, newest first, at most `limit`. A scan
 * of the open sessions: for an operator's look, not the data path. `now` is performance.now() of
 * this process (sessions are stamped with it).
 */
export function openConnections(
  listeners: Iterable<Pick<Listener, 'name' | 'sessions'>>,
  pool: string,
  target: string,
  limit: number,
  now = performance.now(),
): OpenConnection[] {
  const all: OpenConnection[] = [];
  for (const l of listeners)
    for (const s of l.sessions())
      if (s.ctx.pool.name === pool && s.target?.id === target)
        all.push({
          client: formatHostPort({ host: s.info.clientIp, port: s.info.clientPort }),
          listener: l.name,
          ageSeconds: Math.round(Math.max(0, now - s.startedAt) / 100) / 10,
          bytesFromClient: s.bytesFromClient,
          bytesToClient: s.bytesToClient,
        });
  return newestFirst([all], limit);
}
