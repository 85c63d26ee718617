import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteHealth, type PassiveReport } from '../../../src/cluster/remote-health.js';
import { applyTargetStates, buildSnapshot, deepFreeze, targetStates } from '../../../src/cluster/snapshot.js';
import { fanout } from '../../../src/log/access-log.js';
import { createLogger } from '../../../src/log/logger.js';
import { ControlPlane } from '../../../src/plane/control-plane.js';
import { DataPlane } from '../../../src/plane/data-plane.js';
import { LocalLink, type PlaneAck } from '../../../src/plane/plane-link.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

const A = '127.0.0.1:1001';
const B = '127.0.0.1:1002';
const C = '127.0.0.1:1003';
const cfg = config({
  listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
  pools: { web: { targets: [A, B], healthCheck: { interval: '1s', timeout: '500ms' } } },
});
const log = createLogger({ level: 'silent', format: 'json' }).log;

/** A data plane as a worker runs one: passive results go out as reports. */
function dataPlane(reports: PassiveReport[] = [], acks: PlaneAck[] = [], onApplied?: (a: PlaneAck) => void) {
  return new DataPlane({
    log,
    clock: new FakeClock(),
    random: seededRandom(1),
    observer: fanout([]),
    passive: (pool) => new RemoteHealth(pool, (r) => reports.push(r)),
    onApplied: (a) => {
      acks.push(a);
      onApplied?.(a);
    },
  });
}

/** A control plane and its one data plane, fed in process (as src/app.ts wires them). */
function planes() {
  const link = new LocalLink();
  const primary = new ControlPlane({ log, clock: new FakeClock(), random: seededRandom(1) }, link);
  const data = dataPlane([], [], (a) => link.applied(a));
  link.attach(data);
  return { primary, data, stop: () => Promise.all([data.shutdown(0), primary.stop()]) };
}

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setImmediate(r));
};

test('a data plane fed the snapshot has the control plane’s membership, weights, health and admin state', async (t) => {
  const { primary, stop } = planes();
  const acks: PlaneAck[] = [];
  const worker = dataPlane([], acks);
  t.after(() => Promise.all([worker.shutdown(0), stop()]));
  await primary.apply(cfg);
  const store = primary.store;
  store.addTarget('web', { id: C, host: '127.0.0.1', port: 1003, weight: 3, backup: true }, 'admin POST by test');
  store.setWeight('web', A, 5, 'admin PATCH by test');
  store.setAdminState('web', B, 'drain', 'admin PATCH by test');
  store.setHealth('web', A, 'unhealthy', 'test');
  store.setHealth('web', C, 'healthy', 'test');
  const snap = deepFreeze(buildSnapshot(7, 2, primary.config!, store));
  assert.equal(snap.version, 7);
  assert.ok(Object.isFrozen(snap.pools.web![0]!.spec));

  worker.receive(snap);
  await until(() => acks.length > 0);
  assert.deepEqual(
    acks.map((a) => [a.version, a.ok]),
    [[7, true]],
  );
  const pool = worker.pools().get('web')!.pool;
  assert.deepEqual(
    pool
      .targets()
      .map((x) => ({ id: x.id, weight: x.weight, backup: x.spec.backup, health: x.health, admin: x.admin })),
    store.pool('web')!.targets.map((x) => ({
      id: x.id,
      weight: x.spec.weight,
      backup: x.spec.backup,
      health: x.health,
      admin: x.admin,
    })),
  );
  assert.deepEqual(
    pool
      .targets()
      .filter((x) => x.eligible)
      .map((x) => x.id),
    [C],
    'A is down and B drains: only the backup C is left',
  );
  assert.equal(pool.usingBackups, true);
  assert.equal(worker.listeners().size, 1, 'the data plane opens the listeners');
});

test('applying a later snapshot removes targets and brings health back; pools it does not know are skipped', async (t) => {
  const { primary, data: worker, stop } = planes();
  t.after(stop);
  await primary.apply(cfg);
  const spec = (id: string, port: number) => ({ id, host: '127.0.0.1', port, weight: 1, backup: false });
  applyTargetStates(worker.pools(), {
    web: [{ spec: spec(B, 1002), health: 'healthy', admin: 'ready' }],
    other: [{ spec: spec(C, 1003), health: 'healthy', admin: 'ready' }],
  });
  const pool = worker.pools().get('web')!.pool;
  assert.deepEqual(
    pool.targets().map((x) => [x.id, x.health]),
    [[B, 'healthy']],
  );
  assert.equal(worker.pools().has('other'), false);
});

test('in one process a target change reaches the data plane before the call that made it returns', async (t) => {
  const { primary, data: worker, stop } = planes();
  t.after(stop);
  await primary.apply(cfg);
  primary.store.setAdminState('web', A, 'maint', 'admin PATCH by test');
  assert.equal(worker.pools().get('web')!.pool.get(A)!.admin, 'maint');
});

test('targetStates copies specs: a later change in the primary does not alter a sent snapshot', async () => {
  const { primary, stop } = planes();
  await primary.apply(cfg);
  const before = targetStates(primary.store);
  primary.store.setWeight('web', A, 9, 'admin PATCH by test');
  assert.equal(before.web![0]!.spec.weight, 1);
  await stop();
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
