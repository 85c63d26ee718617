// The program a cluster worker runs (the primary forks it: src/cluster/supervisor.ts). Everything
// it serves comes from the primary over IPC; it reads no config and no command line.
import { DRAIN_SLACK_MS, installExitGuard } from '../cli/exit-guard.js';
import { onStopSignals } from '../cli/stop-signals.js';
import type { Channel } from './channel.js';
import { ClusterWorker } from './worker.js';
import { sendTo } from './channel.js';
import { stamp } from './messages.js';
import { PrimarySockets, SOCKETS_FROM_PRIMARY_ENV } from './primary-sockets.js';

if (!process.send) {
  process.stderr.write('this program runs as a worker of the load balancer (started with --workers)\n');
  process.exit(1);
}
// Opening process.stdout and stderr makes their pipes non-blocking (libuv does so for a pipe it
// opens). Left blocking, a log write to a pipe the primary does not read (it is stopped, or busy)
// blocks a thread-pool thread, and Node's exit then waits for that thread without end. A pipe
// whose primary is gone fails with EPIPE: nothing to do about it but exit, which follows.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const guard = installExitGuard();
const channel = process as Channel;
const worker = new ClusterWorker(
  Number(process.env.LB_WORKER_SLOT ?? 0),
  channel,
  (code) => process.exit(code),
  process.env.LB_REUSEPORT === '1', // accept-mode.ts
  process.env[SOCKETS_FROM_PRIMARY_ENV] === '1' ? new PrimarySockets((m) => sendTo(channel, stamp(m))) : undefined,
);
const stop = (): void => {
  guard.deadline(worker.drainTimeout + DRAIN_SLACK_MS, 1);
  worker.drain(worker.drainTimeout);
};
// As the primary: a second SIGTERM/SIGINT ends it now; reloads go through the primary, and a
// hangup must not kill a worker.
onStopSignals({ stop, again: () => process.exit(1) });
process.on('disconnect', stop); // the primary is gone
// SIGUSR2 is for the supervisor (an upgrade). One that reaches a worker as well (`systemctl kill`
// to every process of the unit) must not end it, as Node's default would.
process.on('SIGUSR2', () => undefined);
worker.start();
