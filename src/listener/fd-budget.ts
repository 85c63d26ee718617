import type { OpenFileLimits } from '../core/open-files.js';

// How many client connections the open-file limit allows (values in, values out).
//
// A proxied connection holds two descriptors: the client's socket and the target's. Everything
// else the process opens comes out of a reserve: Node's own (about 20: epoll, signal pipes, the
// thread pool, stdio), the listening sockets, the admin API and its clients, log files, health
// checks (one socket per target being checked), DNS, etcd and the supervisor's channel. The
// reserve is 64 descriptors, or 1/16 of the limit when that is more (a large limit usually means
// many targets and many admin clients), like HAProxy, which sizes maxconn from the limit minus
// what it keeps for its listeners, checks and logs.

export const FDS_PER_CONNECTION = 2;
export const MIN_RESERVE = 64;
export const RESERVE_FRACTION = 1 / 16;

export interface FdBudget {
  /** The soft limit (what applies) and the hard one (what an administrator may raise it to). */
  readonly soft: number;
  readonly hard: number;
  /** Descriptors kept for what is not a proxied connection. */
  readonly reserve: number;
  /** Client connections the limit allows at once: the default of a listener's maxConnections. */
  readonly connections: number;
}

export function fdBudget(limits: OpenFileLimits): FdBudget {
  const reserve = Math.max(MIN_RESERVE, Math.ceil(limits.soft * RESERVE_FRACTION));
  const connections = Math.max(1, Math.floor((limits.soft - reserve) / FDS_PER_CONNECTION));
  return { soft: limits.soft, hard: limits.hard, reserve, connections };
}

/**
 * A listener stopped at `limit` open connections accepts again once they are down to this: a few
 * slots of slack (5%, at least one), so that it does not stop and start again on every close.
 */
export function resumeAt(limit: number): number {
  return Math.max(0, limit - Math.max(1, Math.floor(limit / 20)));
}

/** The start log line and banner line. */
export function describeBudget(b: FdBudget): string {
  return (
    `Descriptors: limit ${b.soft} (hard ${b.hard}): up to ${b.connections} client connections ` +
    `(${FDS_PER_CONNECTION} descriptors each, ${b.reserve} kept for health checks, admin, logs and discovery)`
  );
}

/** The smallest open-file limit that allows `connections` client connections. */
export function limitFor(connections: number): number {
  // A lower bound, then up by the shortfall: a connection needs at least one more descriptor, so
  // this never steps over the smallest limit (the budget only grows with the limit).
  let soft = connections * FDS_PER_CONNECTION + MIN_RESERVE;
  for (let b = fdBudget({ soft, hard: soft }); b.connections < connections; b = fdBudget({ soft, hard: soft }))
    soft += connections - b.connections;
  return soft;
}

/** The warning for an explicit maxConnections the limit cannot hold, or undefined when it can. */
export function maxConnectionsWarning(listener: string, maxConnections: number, b: FdBudget): string | undefined {
  if (maxConnections <= b.connections) return undefined;
  return (
    `listener ${listener}: maxConnections ${maxConnections} is more than the descriptor limit allows ` +
    `(${b.connections} connections with ${b.soft} descriptors); new clients wait in the backlog beyond ` +
    `${b.connections} open connections: raise the limit (LimitNOFILE=, ulimit -n) to ` +
    `${limitFor(maxConnections)} or more`
  );
}
