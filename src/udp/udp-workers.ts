/**
 * Which processes of a cluster serve UDP, and how (measured, docs/benchmarks.md "UDP"):
 * - node:cluster workers (Node 20's default): a dgram socket bound in a worker is shared through
 *   the primary, and the kernel hands each datagram to whichever worker reads first, so one
 *   client's datagrams alternate between workers (each with a session and a target of its own).
 *   Only one worker (slot 1, the first) serves UDP then, with a socket of its own (`exclusive`); a restarted
 *   slot 1 binds again.
 * - forked workers with SO_REUSEPORT (`LB_CLUSTER_ACCEPT=reuseport`, Node >= 22.12): every worker
 *   binds with `reusePort`, and the kernel picks the socket by a hash of the 4-tuple, so a client
 *   address:port always reaches the same worker.
 * - one process: it serves UDP.
 */
export type UdpRole =
  { readonly serve: false } | { readonly serve: true; readonly reusePort: boolean; readonly exclusive: boolean };

export function udpRole(env: NodeJS.ProcessEnv): UdpRole {
  const slot = env.LB_WORKER_SLOT;
  if (slot === undefined) return { serve: true, reusePort: false, exclusive: false };
  if (env.LB_REUSEPORT === '1') return { serve: true, reusePort: true, exclusive: true };
  return slot === '1' ? { serve: true, reusePort: false, exclusive: true } : { serve: false };
}
