// The program a cluster worker runs (the primary forks it: src/cluster/supervisor.ts). Everything
// it serves comes from the primary over IPC; it reads no config and no command line.
import type { Channel } from './channel.js';
import { ClusterWorker } from './worker.js';

if (!process.send) {
  process.stderr.write('this program runs as a worker of the load balancer (started with --workers)\n');
  process.exit(1);
}
const worker = new ClusterWorker(
  Number(process.env.LB_WORKER_SLOT ?? 0),
  process as Channel,
  (code) => process.exit(code),
  process.env.LB_REUSEPORT === '1', // accept-mode.ts
);
let signals = 0;
const onSignal = (): void => {
  // A terminal's Ctrl-C reaches the workers too: drain like the primary, and a second one ends now.
  if (++signals > 1) process.exit(1);
  worker.drain(worker.drainTimeout);
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.on('SIGHUP', () => undefined); // reloads go through the primary; a hangup must not kill a worker
process.on('disconnect', () => worker.drain(worker.drainTimeout)); // the primary is gone
worker.start();
