import cluster from 'node:cluster';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withDataPlaneFlags } from '../cli/node-flags.js';
import type { Logger } from '../log/logger.js';
import type { AcceptMode } from './accept-mode.js';
import { LineRelay } from './line-relay.js';
import { SOCKETS_FROM_PRIMARY_ENV } from './primary-sockets.js';
import type { Spawn, WorkerHandle } from './supervisor.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker-entry.js', import.meta.url));

/**
 * Worker processes running worker-entry.js. With `none` and `rr` they are node:cluster workers
 * (the primary holds each listening socket; accept-mode.ts says who accepts); with `reuseport`
 * they are plain child processes that open their own SO_REUSEPORT sockets (LB_REUSEPORT).
 */
export function clusterSpawn(log: Logger, mode: AcceptMode, handoff = false): Spawn {
  // Handed sockets: plain child processes, since a node:cluster worker cannot listen on a socket
  // of its own (it asks the primary to bind). Each listens on its copy of the supervisor's socket:
  // one socket shared by every worker, the kernel waking them, as SCHED_NONE does.
  const forked = mode === 'reuseport' || handoff;
  // Frozen at the first fork: set before it.
  if (!forked) cluster.schedulingPolicy = mode === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  const options = {
    // Structured clone: a config may carry bytes (certificates) and undefined fields.
    serialization: 'advanced',
    // Output through the primary, a whole line at a time (line-relay.ts says why).
    silent: true,
    // Workers carry the connections: their V8 flags (a small young generation) come from here.
    execArgv: withDataPlaneFlags(process.execArgv, process.env.NODE_OPTIONS),
  } as const;
  if (!forked) cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], ...options });
  const stdout = new LineRelay(process.stdout);
  const stderr = new LineRelay(process.stderr);
  // However the primary exits (a second signal, a crash), it takes its workers along: left alone,
  // they would drain for up to drainTimeout with nobody to report to.
  const live = new Set<ChildProcess>();
  process.once('exit', () => {
    for (const p of live) p.kill('SIGKILL');
  });
  return (slot) => {
    const env = { LB_WORKER_SLOT: String(slot) };
    const own = handoff ? { [SOCKETS_FROM_PRIMARY_ENV]: '1' } : { LB_REUSEPORT: '1' };
    const w = forked
      ? fork(WORKER_ENTRY, [], { ...options, env: { ...process.env, ...env, ...own } })
      : cluster.fork(env);
    const proc = 'process' in w ? w.process : w;
    w.on('error', (e: Error) => log.warn({ worker: slot, err: e.message }, `worker ${slot}: IPC error`));
    live.add(proc);
    proc.once('close', () => live.delete(proc));
    if (proc.stdout) stdout.add(proc.stdout);
    if (proc.stderr) stderr.add(proc.stderr);
    const handle: WorkerHandle = {
      get pid() {
        return proc.pid;
      },
      send: (m, callback) => w.send(m as never, callback),
      ...(handoff
        ? {
            sendHandle: (m: unknown, h: object, callback: (e: Error | null) => void) =>
              void proc.send(m as never, h as never, undefined, callback),
          }
        : {}),
      // 'exit' once the process has ended and its output pipes are read to the end ('close'), so
      // that a worker's last log lines are out before the primary moves on (and perhaps exits).
      on: (event: 'message' | 'exit', listener: (...args: never[]) => void) =>
        event === 'exit'
          ? proc.once('close', listener as (...args: unknown[]) => void)
          : w.on(event, listener as (...args: unknown[]) => void),
      kill: (signal) => proc.kill(signal),
    };
    return handle;
  };
}
