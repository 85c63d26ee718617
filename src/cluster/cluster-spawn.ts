import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.js';
import { LineRelay } from './line-relay.js';
import type { Spawn } from './supervisor.js';

/**
 * Worker processes through node:cluster, running worker-entry.js. The workers share each
 * listening socket and the kernel hands a new connection to one of them (SCHED_NONE): the primary
 * stays out of the accept path. docs/benchmarks.md ("Multi-core") has the measurement behind
 * this choice; NODE_CLUSTER_SCHED_POLICY=rr brings back Node's round-robin handoff through the
 * primary, for comparison.
 */
export function clusterSpawn(log: Logger): Spawn {
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker-entry.js', import.meta.url)),
    args: [],
    // Structured clone: a config may carry bytes (certificates) and undefined fields.
    serialization: 'advanced',
    // Output through the primary, a whole line at a time (line-relay.ts says why).
    silent: true,
  });
  const stdout = new LineRelay(process.stdout);
  const stderr = new LineRelay(process.stderr);
  return (slot) => {
    const w = cluster.fork({ LB_WORKER_SLOT: String(slot) });
    w.on('error', (e: Error) => log.warn({ worker: slot, err: e.message }, `worker ${slot}: IPC error`));
    if (w.process.stdout) stdout.add(w.process.stdout);
    if (w.process.stderr) stderr.add(w.process.stderr);
    return {
      get pid() {
        return w.process.pid;
      },
      send: (m, callback) => w.send(m as never, callback),
      on: (event: 'message' | 'exit', listener: (...args: never[]) => void) =>
        w.on(event, listener as (...args: unknown[]) => void),
      kill: (signal) => w.process.kill(signal),
    };
  };
}
