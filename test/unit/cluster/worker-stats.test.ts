import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolView } from '../../../src/admin/runtime-view.js';
import type { WorkerStats } from '../../../src/cluster/messages.js';
import { sumListeners, sumTraffic } from '../../../src/cluster/worker-stats.js';
import { targetSpecs } from '../../../src/pool/pool-runtime.js';
import { TargetStore } from '../../../src/store/target-store.js';
import { FakeClock } from '../../helpers/fake-clock.js';
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

/** What a cluster primary's views read: its control plane's store and config, and the workers' reports. */
function control() {
  const cfg = config({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [A, B] } },
  });
  const store = new TargetStore({ clock: new FakeClock() });
  store.applyConfig({ web: targetSpecs(cfg.pools.web!) }, 'config load');
  return { store, config: cfg };
}

test('listeners of all workers are summed by name', () => {
  const l = sumListeners([w1, w2]).get('main')!;
  assert.deepEqual(
    { port: l.port, active: l.activeConnections, total: l.totalConnections, max: l.settings.maxConnections },
    { port: 8000, active: 3, total: 15, max: undefined },
  );
  assert.equal(sumListeners([]).size, 0);
});

test('the primary’s views show the sum of the workers’ counters, and no Target is written', () => {
  const app = control();
  const view = (all: WorkerStats[], id: string) => {
    const x = poolView(app, 'web', sumTraffic(all)).targets.find((t) => t.address === id)!;
    return [x.activeConnections, x.totalConnections, x.bytesFromClient, x.bytesToClient];
  };
  assert.deepEqual(view([w1, w2], A), [3, 11, 150, 300]);
  assert.deepEqual(view([w1, w2], B), [0, 3, 10, 20]);
  // a second read replaces, never adds
  assert.deepEqual(view([w1], A), [2, 7, 100, 200]);
  assert.deepEqual(sumTraffic([w1, w2]).web![A], c(3, 11, 150), 'the reports themselves are not changed');
  assert.deepEqual(w1.pools.web![A], c(2, 7, 100));
});

test('a target removed while it had connections drains in the view until the workers report none', () => {
  const app = control();
  const was = {
    spec: { id: A, host: '127.0.0.1', port: 1001, weight: 1, backup: false },
    health: 'healthy',
    admin: 'ready',
  } as const;
  app.store.removeTarget('web', A, 'admin DELETE by test');
  const draining = (all: WorkerStats[]) =>
    poolView(app, 'web', sumTraffic(all)).draining.map((x) => [x.address, x.removed, x.activeConnections]);
  const retired = (n: number) => ({ ...w1, pools: { web: { [A]: { ...c(n, 7), retired: was } } } });
  assert.deepEqual(draining([retired(2), w2]), [[A, true, 3]], 'summed over the workers');
  assert.deepEqual(draining([retired(1)]), [[A, true, 1]]);
  assert.deepEqual(draining([{ ...w1, pools: { web: {} } }]), []);
  assert.deepEqual(
    poolView(app, 'web', sumTraffic([w1])).targets.map((x) => x.address),
    [B],
  );
});
