import { InvalidArgumentError } from '../core/errors.js';

/**
 * How the workers of a cluster share the accept work of a listening port:
 * - `none`: node:cluster SCHED_NONE, one listening socket shared by all workers; the kernel wakes
 *   them and the first to call accept() gets the connection. The primary is not in the path.
 * - `rr`: node:cluster SCHED_RR (Node's default on Linux), the primary accepts every connection
 *   and hands it to a worker over IPC, in turn.
 * - `reuseport`: workers are plain child processes (not node:cluster: its workers cannot listen
 *   on a socket of their own), each listening with SO_REUSEPORT; the kernel shards connections
 *   over the sockets by a hash of the addresses. Needs `reusePort` (Node >= 22.12) and fixed ports.
 */
export type AcceptMode = 'none' | 'rr' | 'reuseport';

const MODES: readonly AcceptMode[] = ['none', 'rr', 'reuseport'];

/**
 * The mode chosen by measurement (docs/benchmarks.md, "Multi-core"): SCHED_NONE. RR puts the
 * primary in every accept, and cost about twice the CPU per new connection for 40-60% of the
 * connections per second; SO_REUSEPORT was level with SCHED_NONE, but needs a newer Node (or a
 * native addon on Node 20), fixed ports, and resets the connections queued on a worker's own
 * socket when that worker dies or drains.
 */
export const DEFAULT_ACCEPT_MODE: AcceptMode = 'none';

/** Node's `reusePort` listen option: v22.12 and later (nodejs/node PR #55408). */
export function hasReusePort(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * The mode from the environment: `LB_CLUSTER_ACCEPT` (kept for benchmarks, not a documented
 * option), else Node's own `NODE_CLUSTER_SCHED_POLICY`, else the default.
 */
export function acceptModeFrom(env: NodeJS.ProcessEnv, nodeVersion: string): AcceptMode {
  const raw = env.LB_CLUSTER_ACCEPT ?? env.NODE_CLUSTER_SCHED_POLICY ?? DEFAULT_ACCEPT_MODE;
  const mode = MODES.find((m) => m === raw);
  if (!mode) throw new InvalidArgumentError(`LB_CLUSTER_ACCEPT: "${raw}" is not one of ${MODES.join(', ')}`);
  if (mode === 'reuseport' && !hasReusePort(nodeVersion))
    throw new InvalidArgumentError(`LB_CLUSTER_ACCEPT=reuseport needs Node >= 22.12 (this is ${nodeVersion})`);
  return mode;
}
