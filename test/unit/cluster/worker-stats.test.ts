import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../../src/app.js';
import type { WorkerStats } from '../../../src/cluster/messages.js';
import { collectStats, mirrorCounters, sumListeners } from '../../../src/cluster/worker-stats.js';
import { fanout } from '../../../src/log/access-log.js';
import { createLogger } from '../../../src/log/logger.js';
import { removeTarget, storedPool } from '../../helpers/target-changes.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

const A = '127.0.0.1:1001';
const B = '127.0.0.1:1002';
const listener = { host: '127.0.0.1', port: 8000, maxConnections: null, keepAliveMs: 1000 };
const c = (active: number, total: number, bytes = 0) => ({
  active,
  total,
  bytesFromClient: bytes,
  bytesToClient: 2 * bytes,
});
const w1: WorkerStats = {
  connections: 2,
  listeners: [{ name: 'main', ...listener, active: 2, total: 10 }],
  pools: { web: { [A]: c(2, 7, 100), [B]: c(0, 3, 10) } },
};
const w2: WorkerStats = {
  connections: 1,
  listeners: [{ name: 'main', ...listener, active: 1, total: 5 }],
  pools: { web: { [A]: c(1, 4, 50) } },
};

async function control() {
  const app = new App({
    log: createLogger({ level: 'silent', format: 'json' }).log,
    clock: new FakeClock(),
    random: seededRandom(1),
    observer: fanout([]),
    serveTraffic: false,
  });
  await app.apply(
    config({ listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } }, pools: { web: { targets: [A, B] } } }),
  );
  return app;
}

test('listeners of all workers are summed by name', () => {
  const l = sumListeners([w1, w2]).get('main')!;
  assert.deepEqual(
    { port: l.port, active: l.activeConnections, total: l.totalConnections, max: l.settings.maxConnections },
    { port: 8000, active: 3, total: 15, max: undefined },
  );
  assert.equal(sumListeners([]).size, 0);
});

test('the primary’s targets show the sum of the workers’ counters', async (t) => {
  const app = await control();
  t.after(() => app.stop());
  mirrorCounters(app.pools(), [w1, w2]);
  const pool = app.pools().get('web')!.pool;
  const view = (id: string) => {
    const x = pool.get(id)!;
    return [x.activeConnections, x.totalConnections, x.bytesFromClient, x.bytesToClient];
  };
  assert.deepEqual(view(A), [3, 11, 150, 300]);
  assert.deepEqual(view(B), [0, 3, 10, 20]);
  // a second read replaces, never adds
  mirrorCounters(app.pools(), [w1]);
  assert.deepEqual(view(A), [2, 7, 100, 200]);
  assert.deepEqual(collectStats(app).pools.web![A], c(2, 7, 100));
});

test('a target removed while it had connections drains in the view until the workers report none', async (t) => {
  const app = await control();
  t.after(() => app.stop());
  const rt = storedPool(app, 'web');
  mirrorCounters(app.pools(), [w1]);
  removeTarget(rt, A);
  assert.deepEqual(
    rt.pool.retired().map((x) => [x.id, x.activeConnections]),
    [[A, 2]],
  );
  mirrorCounters(app.pools(), [{ ...w1, pools: { web: { [A]: c(1, 7) } } }]);
  assert.deepEqual(
    rt.pool.retired().map((x) => [x.id, x.activeConnections]),
    [[A, 1]],
  );
  mirrorCounters(app.pools(), [{ ...w1, pools: { web: {} } }]);
  assert.deepEqual(rt.pool.retired(), []);
});
