import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../../src/app.js';
import { RemoteHealth, type PassiveReport } from '../../../src/cluster/remote-health.js';
import { applyTargetStates, buildSnapshot, deepFreeze, targetStates } from '../../../src/cluster/snapshot.js';
import { fanout } from '../../../src/log/access-log.js';
import { createLogger } from '../../../src/log/logger.js';
import { addTarget, setAdminState, setWeight, storedPool } from '../../helpers/target-changes.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

const A = '127.0.0.1:1001';
const B = '127.0.0.1:1002';
const C = '127.0.0.1:1003';
const cfg = config({
  listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
  pools: { web: { targets: [A, B], healthCheck: { interval: '1s', timeout: '500ms' } } },
});

function app(role: 'control' | 'worker', reports: PassiveReport[] = []) {
  const clock = new FakeClock();
  return new App({
    log: createLogger({ level: 'silent', format: 'json' }).log,
    clock,
    random: seededRandom(1),
    observer: fanout([]),
    ...(role === 'control'
      ? { serveTraffic: false }
      : { health: (pool: string) => new RemoteHealth(pool, (r) => reports.push(r)) }),
  });
}

test('a worker applying the snapshot has the primary’s membership, weights, health and admin state', async (t) => {
  const primary = app('control');
  const worker = app('worker');
  t.after(() => Promise.all([worker.stop(), primary.stop()]));
  await primary.apply(cfg);
  assert.equal(primary.listeners().size, 0, 'the control plane opens no listener');
  const rt = storedPool(primary, 'web');
  addTarget(rt, { host: '127.0.0.1', port: 1003, weight: 3, backup: true });
  setWeight(rt, A, 5);
  setAdminState(rt, B, 'drain', 0);
  primary.store.setHealth('web', A, 'unhealthy', 'test');
  primary.store.setHealth('web', C, 'healthy', 'test');
  const snap = deepFreeze(buildSnapshot(7, 2, primary.config!, primary.store));
  assert.equal(snap.version, 7);
  assert.ok(Object.isFrozen(snap.pools.web![0]!.spec));

  await worker.apply(snap.config);
  applyTargetStates(worker.pools(), snap.pools);
  const view = (a: App) =>
    a
      .pools()
      .get('web')!
      .pool.targets()
      .map((t) => ({ id: t.id, weight: t.weight, backup: t.spec.backup, health: t.health, admin: t.admin }));
  assert.deepEqual(view(worker), view(primary));
  assert.deepEqual(
    worker
      .pools()
      .get('web')!
      .pool.targets()
      .filter((t) => t.eligible)
      .map((t) => t.id),
    [C],
    'A is down and B drains: only the backup C is left',
  );
  assert.equal(worker.pools().get('web')!.pool.usingBackups, true);
});

test('applying a later snapshot removes targets and brings health back; pools it does not know are skipped', async (t) => {
  const worker = app('worker');
  t.after(() => worker.stop());
  await worker.apply(cfg);
  const spec = (id: string, port: number) => ({ id, host: '127.0.0.1', port, weight: 1, backup: false });
  applyTargetStates(worker.pools(), {
    web: [{ spec: spec(B, 1002), health: 'healthy', admin: 'ready' }],
    other: [{ spec: spec(C, 1003), health: 'healthy', admin: 'ready' }],
  });
  const pool = worker.pools().get('web')!.pool;
  assert.deepEqual(
    pool.targets().map((t) => [t.id, t.health]),
    [[B, 'healthy']],
  );
  assert.equal(worker.pools().has('other'), false);
});

test('targetStates copies specs: a later change in the primary does not alter a sent snapshot', async () => {
  const primary = app('control');
  await primary.apply(cfg);
  const before = targetStates(primary.store);
  setWeight(storedPool(primary, 'web'), A, 9);
  assert.equal(before.web![0]!.spec.weight, 1);
  await primary.stop();
});

test('a worker reports every failed connect, and a success only after a failure it reported', () => {
  const reports: PassiveReport[] = [];
  const h = new RemoteHealth('web', (r) => reports.push(r));
  h.reportConnectSuccess(A);
  h.reportConnectFailure(A, 'connect ECONNREFUSED');
  h.reportConnectFailure(A, 'connect ECONNREFUSED');
  h.reportConnectSuccess(A);
  h.reportConnectSuccess(A);
  assert.deepEqual(
    reports.map((r) => [r.target, r.ok]),
    [
      [A, false],
      [A, false],
      [A, true],
    ],
  );
});
