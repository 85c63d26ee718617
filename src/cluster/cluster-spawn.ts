import cluster, { type Worker } from 'node:cluster';
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
  // However the primary exits (a second signal, a crash), it takes its workers along: left alone,
  // they would drain for up to drainTimeout with nobody to report to.
  const live = new Set<Worker>();
  process.once('exit', () => {
    for (const w of live) w.process.kill('SIGKILL');
  });
  return (slot) => {
    const w = cluster.fork({ LB_WORKER_SLOT: String(slot) });
    w.on('error', (e: Error) => log.warn({ worker: slot, err: e.message }, `worker ${slot}: IPC error`));
    live.add(w);
    w.process.once('close', () => live.delete(w));
    if (w.process.stdout) stdout.add(w.process.stdout);
    if (w.process.stderr) stderr.add(w.process.stderr);
    return {
      get pid() {
        return w.process.pid;
      },
      send: (m, callback) => w.send(m as never, callback),
      // 'exit' once the process has ended and its output pipes are read to the end ('close'), so
      // that a worker's last log lines are out before the primary moves on (and perhaps exits).
      on: (event: 'message' | 'exit', listener: (...args: never[]) => void) =>
        event === 'exit'
          ? w.process.once('close', listener as (...args: unknown[]) => void)
          : w.on(event, listener as (...args: unknown[]) => void),
      kill: (signal) => w.process.kill(signal),
    };
  };
}
