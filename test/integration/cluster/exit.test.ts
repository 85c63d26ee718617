import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startCluster, type RunningCluster } from '../../helpers/cluster.js';
import { echoServer, eventually, exchange } from '../../helpers/net.js';
import { childrenOf, isAlive, isListening, signal } from '../../helpers/proc.js';

/** Long-lived connections that keep sending (and reading back) through the balancer. */
function traffic(port: number, n: number): { stop(): void } {
  const socks: Socket[] = [];
  let stopped = false;
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    const pump = (): void => {
      if (stopped || s.destroyed) return;
      s.write(Buffer.alloc(16_384, i));
      setTimeout(pump, 5);
    };
    s.once('connect', pump);
    socks.push(s);
  }
  return {
    stop: () => {
      stopped = true;
      for (const s of socks) s.destroy();
    },
  };
}

// These tests are about the cluster primary itself: run it as the started process (no supervisor).
const PRIMARY_STARTED = { LB_SUPERVISOR: '0' };

const clusterArgs = (backend: number, ...more: string[]): string[] => [
  ...['0', '--host', '127.0.0.1', '-b', `127.0.0.1:${backend}`, '--health-interval', '0'],
  ...more,
];

/** The pids of the workers, once both run. */
const runningWorkers = (lb: RunningCluster): Promise<number[]> =>
  eventually(async () => {
    const s = await lb.status();
    return s.workers.every((w) => w.state === 'running' && w.pid) ? s.workers.map((w) => w.pid!) : undefined;
  }, 30_000);

for (const relay of ['native', 'js'] as const)
  test(`SIGKILL of the primary under traffic, 5 times (relay ${relay}): no worker is left, the port is closed`, async (t) => {
    const echo = await echoServer();
    t.after(() => echo.close());
    for (let round = 0; round < 5; round++) {
      const lb = await startCluster(clusterArgs(echo.port, '--relay', relay), 2, PRIMARY_STARTED);
      const workers = await runningWorkers(lb);
      assert.deepEqual(childrenOf(lb.proc.pid!).sort(), [...workers].sort(), 'the workers are the children');
      const load = traffic(lb.port, 16);
      t.after(() => load.stop());
      await eventually(
        async () => (await lb.status()).workers.reduce((n, w) => n + w.activeConnections, 0) >= 8,
        20_000,
        'connections through the workers',
      );
      lb.proc.kill('SIGKILL');
      await lb.exited;
      const left = await eventually(
        () => (workers.every((p) => !isAlive(p)) ? 'gone' : undefined),
        15_000,
        `round ${round}: workers ${workers.join(', ')} to end after their primary`,
      ).catch(() => workers.filter(isAlive));
      load.stop();
      for (const p of workers) signal(p, 'SIGKILL');
      assert.equal(left, 'gone', `round ${round}: workers still running`);
      const closed = await eventually(() => !isListening(lb.port), 5000).catch(() => false);
      assert.ok(closed, `round ${round}: port ${lb.port} still listening`);
    }
  });

test('a worker whose stdout nobody reads (its primary stopped) still ends on SIGTERM, in bounded time', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const lb = await startCluster(clusterArgs(echo.port, '--drain-timeout', '1s'), 2, PRIMARY_STARTED);
  const primary = lb.proc.pid!;
  t.after(async () => {
    for (const p of childrenOf(primary)) signal(p, 'SIGKILL');
    await lb.stop('SIGKILL');
  });
  const workers = await runningWorkers(lb);
  // The primary relays its workers' output: stopped, it reads none, and their stdout pipes fill
  // with access-log lines (about 300 bytes a connection; a pipe holds a few hundred KiB).
  process.kill(primary, 'SIGSTOP');
  t.after(() => signal(primary, 'SIGCONT'));
  for (let batch = 0; batch < 40; batch++)
    await Promise.all(Array.from({ length: 50 }, (_, i) => exchange(lb.port, `x${batch}.${i}`).catch(() => undefined)));
  const started = Date.now();
  for (const p of workers) signal(p, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  for (const p of workers) signal(p, 'SIGTERM'); // a second signal: exit now
  const gone = await eventually(() => workers.every((p) => !isAlive(p)), 20_000, 'the workers to end').catch(
    () => false,
  );
  const ms = Date.now() - started;
  assert.ok(gone, `workers still running ${ms} ms after SIGTERM: ${workers.filter(isAlive).join(', ')}`);
  t.diagnostic(`workers ended ${ms} ms after SIGTERM`);
});
