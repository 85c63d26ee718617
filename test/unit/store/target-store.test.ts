import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TargetSpec } from '../../../src/core/types.js';
import { RESTORE_WRITER, TargetStore, type StoreEvent } from '../../../src/store/target-store.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const spec = (port: number, weight = 1, backup = false): TargetSpec => ({
  id: `127.0.0.1:${port}`,
  host: '127.0.0.1',
  port,
  weight,
  backup,
});
const A = spec(1001);
const B = spec(1002);
const C = spec(1003);
const D = spec(1004, 2);

function storeWith(pools: Record<string, TargetSpec[]> = { web: [A, B, C] }) {
  const clock = new FakeClock();
  const store = new TargetStore({ clock, ringSize: 16 });
  const events: StoreEvent[] = [];
  store.subscribe((batch) => events.push(...batch));
  store.applyConfig(pools, 'config load');
  return { clock, store, events };
}

const brief = (e: StoreEvent): string => {
  const what = 'id' in e ? e.id : 'target' in e ? e.target.id : '';
  const move = 'from' in e ? ` ${e.from}->${e.to}` : '';
  return `${e.revision} ${e.type} ${e.pool} ${what}${move} (${e.cause})`.replace('  ', ' ');
};
const view = (store: TargetStore, pool = 'web') =>
  store.pool(pool)!.targets.map((t) => `${t.id} w${t.spec.weight} ${t.admin} ${t.health}`);

test('events come out in revision order, with their causes and the time of the clock', () => {
  const { clock, store, events } = storeWith();
  clock.advance(1000);
  store.setAdminState('web', B.id, 'drain', 'admin PATCH by 127.0.0.1');
  store.setHealth('web', C.id, 'unhealthy', 'after 3 failed checks: connect ECONNREFUSED');
  store.setHealth('web', C.id, 'unhealthy', 'after 4 failed checks: connect ECONNREFUSED'); // no change: no event
  store.addTarget('web', D, 'admin POST by 127.0.0.1');
  assert.deepEqual(events.map(brief), [
    '1 pool-added web (config load)',
    '2 target-added web 127.0.0.1:1001 (config load)',
    '3 target-added web 127.0.0.1:1002 (config load)',
    '4 target-added web 127.0.0.1:1003 (config load)',
    '5 admin-changed web 127.0.0.1:1002 ready->drain (admin PATCH by 127.0.0.1)',
    '6 health-changed web 127.0.0.1:1003 unknown->unhealthy (health: after 3 failed checks: connect ECONNREFUSED)',
    '7 target-added web 127.0.0.1:1004 (admin POST by 127.0.0.1)',
  ]);
  assert.deepEqual(
    events.map((e) => e.at),
    [0, 0, 0, 0, 1000, 1000, 1000],
  );
  assert.equal(store.revision, 7);
  assert.equal(store.snapshot().revision, 7);
  assert.deepEqual(store.target('web', C.id)!.lastChange, {
    at: 1000,
    cause: 'after 3 failed checks: connect ECONNREFUSED',
  });
});

test('every event says who made it with a typed cause kind, whatever its cause text says', () => {
  const { store, events } = storeWith();
  const fleet = { origin: 'fleet', kind: 'fleet' } as const;
  const kinds = (from: number) => events.slice(from).map((e) => `${e.type} ${e.causeKind}`);
  assert.deepEqual(new Set(kinds(0)), new Set(['pool-added config', 'target-added config']));
  let n = events.length;
  store.setAdminState('web', A.id, 'drain', 'someone');
  store.setWeight('web', B.id, 3, 'admin PATCH by 127.0.0.1', fleet);
  store.setAdminState('web', C.id, 'maint', 'admin PATCH by 127.0.0.1', RESTORE_WRITER);
  store.setSourceTargets('web', 'etcd:/services/web/', [D], 'admin-looking text');
  store.setHealth('web', A.id, 'healthy', 'admin PATCH');
  assert.deepEqual(kinds(n), [
    'admin-changed admin',
    'target-changed fleet',
    'admin-changed restore',
    'target-added discovery',
    'health-changed health',
  ]);
  n = events.length;
  const change = store.applyConfig({ web: [A, B] }, 'config reload');
  store.revertConfig(change, 'config reload reverted');
  assert.ok(events.length > n);
  assert.ok(events.slice(n).every((e) => e.causeKind === 'config'));
  // a restored change sits in the admin API's layer: a reload drops its weight like an admin one
  store.setWeight('web', A.id, 7, 'state restored', RESTORE_WRITER);
  store.applyConfig({ web: [A, B, C] }, 'config reload');
  assert.equal(store.target('web', A.id)!.spec.weight, 1);
});

test('one precedence rule: config < discovery < runtime overrides; same rank: the later write wins', () => {
  const table: {
    name: string;
    run: (s: TargetStore) => void;
    want: string[];
  }[] = [
    { name: 'config alone', run: () => undefined, want: ['127.0.0.1:1001 w1', '127.0.0.1:1002 w1'] },
    {
      name: 'discovery adds a target and sets a weight the config also sets',
      run: (s) => s.setSourceTargets('web', 'dns:web', [spec(1002, 7), C], 'dns: 2 addresses'),
      want: ['127.0.0.1:1001 w1', '127.0.0.1:1002 w7', '127.0.0.1:1003 w1'],
    },
    {
      name: 'two discovery sources: the later write wins',
      run: (s) => {
        s.setSourceTargets('web', 'dns:web', [spec(1002, 7)], 'dns');
        s.setSourceTargets('web', 'etcd:/web', [spec(1002, 9)], 'etcd');
      },
      want: ['127.0.0.1:1001 w1', '127.0.0.1:1002 w9'],
    },
    {
      name: 'an override beats discovery, whatever the order',
      run: (s) => {
        s.setWeight('web', B.id, 3, 'admin PATCH');
        s.setSourceTargets('web', 'dns:web', [spec(1002, 7)], 'dns');
      },
      want: ['127.0.0.1:1001 w1', '127.0.0.1:1002 w3'],
    },
    {
      name: 'an override removes a target a source names',
      run: (s) => {
        s.setSourceTargets('web', 'dns:web', [C], 'dns');
        s.removeTarget('web', C.id, 'admin DELETE');
        s.setSourceTargets('web', 'dns:web', [C, D], 'dns');
      },
      want: ['127.0.0.1:1001 w1', '127.0.0.1:1002 w1', '127.0.0.1:1004 w2'],
    },
    {
      name: 'overrides of two origins: the later write wins',
      run: (s) => {
        s.setWeight('web', A.id, 4, 'fleet: node b', { origin: 'fleet', kind: 'fleet' });
        s.setWeight('web', A.id, 5, 'admin PATCH');
      },
      want: ['127.0.0.1:1001 w5', '127.0.0.1:1002 w1'],
    },
    {
      name: 'a source emptied takes its targets away',
      run: (s) => {
        s.setSourceTargets('web', 'dns:web', [C], 'dns');
        s.setSourceTargets('web', 'dns:web', [], 'dns: NXDOMAIN');
      },
      want: ['127.0.0.1:1001 w1', '127.0.0.1:1002 w1'],
    },
  ];
  for (const row of table) {
    const { store } = storeWith({ web: [A, B] });
    row.run(store);
    assert.deepEqual(
      store.pool('web')!.targets.map((t) => `${t.id} w${t.spec.weight}`),
      row.want,
      row.name,
    );
  }
});

test('a reload: admin membership and weights give way to the config; admin states of members, health and discovery stay', () => {
  const { store } = storeWith({ web: [A, B, C] });
  store.setSourceTargets('web', 'dns:web', [spec(1005)], 'dns');
  store.setHealth('web', B.id, 'unhealthy', 'after 3 failed checks');
  store.setAdminState('web', B.id, 'maint', 'admin PATCH');
  store.setAdminState('web', C.id, 'drain', 'admin PATCH');
  store.setWeight('web', C.id, 3, 'admin PATCH'); // state and weight in one override entry
  store.addTarget('web', D, 'admin POST');
  store.setWeight('web', A.id, 5, 'admin PATCH');
  store.setWeight('web', A.id, 4, 'fleet', { origin: 'fleet:b', kind: 'fleet' });
  assert.equal(store.pool('web')!.changedAtRuntime, true);
  store.applyConfig({ web: [A, B, C] }, 'config reload');
  assert.deepEqual(view(store), [
    '127.0.0.1:1001 w4 ready unknown', // the fleet's override is not the admin API's: it stays
    '127.0.0.1:1002 w1 maint unhealthy',
    '127.0.0.1:1003 w1 drain unknown',
    '127.0.0.1:1005 w1 ready unknown',
  ]);
  store.applyConfig({ web: [A, B] }, 'config reload');
  store.applyConfig({ web: [A, B, C] }, 'config reload');
  assert.equal(store.target('web', C.id)!.admin, 'ready', 'a target the config dropped comes back afresh');
  store.applyConfig({}, 'config reload');
  assert.equal(store.pool('web'), undefined, 'a pool the config drops is gone');
  assert.deepEqual(store.snapshot().pools, {});
});

test('leaving maintenance forgets the health: unknown until the next check', () => {
  const { store, events } = storeWith({ web: [A] });
  store.setHealth('web', A.id, 'unhealthy', 'after 3 failed checks');
  store.setAdminState('web', A.id, 'maint', 'admin PATCH');
  store.setAdminState('web', A.id, 'ready', 'admin PATCH by 127.0.0.1');
  assert.deepEqual(events.slice(-2).map(brief), [
    '5 admin-changed web 127.0.0.1:1001 maint->ready (admin PATCH by 127.0.0.1)',
    '6 health-changed web 127.0.0.1:1001 unhealthy->unknown (admin PATCH by 127.0.0.1)',
  ]);
  assert.equal(store.target('web', A.id)!.lastChange!.cause, 'left maintenance; checks resume');
});

test('an admin change made while a reload is applied survives the reload being reverted', () => {
  const { store } = storeWith({ web: [A, B] });
  store.setWeight('web', A.id, 5, 'admin PATCH');
  store.setAdminState('web', B.id, 'drain', 'admin PATCH');
  store.setHealth('web', B.id, 'unhealthy', 'after 3 failed checks');
  const change = store.applyConfig({ web: [A] }, 'config reload');
  assert.deepEqual(view(store), ['127.0.0.1:1001 w1 ready unknown']);
  // while the workers apply it: an admin PATCH, and a health verdict
  store.setAdminState('web', A.id, 'maint', 'admin PATCH by 127.0.0.1');
  store.addTarget('web', C, 'admin POST by 127.0.0.1');
  // a worker cannot apply it: back to the previous config
  store.revertConfig(change, 'config reload reverted');
  assert.deepEqual(view(store), [
    '127.0.0.1:1001 w5 maint unknown',
    '127.0.0.1:1002 w1 drain unhealthy',
    '127.0.0.1:1003 w1 ready unknown',
  ]);
  // a write after the reload wins over what the reload had dropped
  const second = store.applyConfig({ web: [A, B] }, 'config reload');
  store.setWeight('web', A.id, 8, 'admin PATCH during reload');
  store.revertConfig(second, 'config reload reverted');
  assert.equal(store.target('web', A.id)!.spec.weight, 8);
});

test('eventsSince: the events after a revision, undefined when too old or from the future', () => {
  const { store } = storeWith({ web: [A] }); // revisions 1..2
  assert.deepEqual(
    store.eventsSince(0)!.map((e) => e.revision),
    [1, 2],
  );
  assert.deepEqual(store.eventsSince(2), []);
  assert.equal(store.eventsSince(3), undefined, 'ahead of the store: a client of another process');
  assert.equal(store.eventsSince(-1), undefined);
  for (let i = 0; i < 10; i++) store.setWeight('web', A.id, i + 2, 'admin PATCH'); // revisions 3..12
  assert.deepEqual(
    store.eventsSince(10)!.map((e) => e.revision),
    [11, 12],
  );
  for (let i = 0; i < 10; i++) store.setWeight('web', A.id, i + 20, 'admin PATCH'); // ring of 16: 7..22
  assert.equal(store.eventsSince(5), undefined, 'the ring lost revision 6: read the snapshot');
  assert.deepEqual(store.eventsSince(6)!.length, 16);
});

test('subscribe: one call per operation with all its events; the unsubscribe stops them', () => {
  const { store } = storeWith({ web: [A] });
  const batches: number[][] = [];
  const stop = store.subscribe((events) => batches.push(events.map((e) => e.revision)));
  store.applyConfig({ web: [B, C], api: [A] }, 'config reload');
  store.setHealth('web', B.id, 'healthy', 'after 1 successful check');
  stop();
  store.setHealth('web', C.id, 'healthy', 'after 1 successful check');
  assert.deepEqual(batches, [[3, 4, 5, 6, 7], [8]]);
});

test('runtime changes refuse unknown pools and targets and duplicates, with coded errors', () => {
  const { store } = storeWith({ web: [A, B] });
  assert.throws(() => store.addTarget('web', A, 'admin POST'), {
    code: 'LB_ERR_CONFLICT',
    message: 'pool "web" already has target 127.0.0.1:1001',
  });
  for (const fn of [
    () => store.removeTarget('web', C.id, 'x'),
    () => store.setWeight('web', C.id, 2, 'x'),
    () => store.setAdminState('web', C.id, 'drain', 'x'),
  ])
    assert.throws(fn, {
      code: 'LB_ERR_NOT_FOUND',
      message: 'pool "web" has no target 127.0.0.1:1003 (targets: 127.0.0.1:1001, 127.0.0.1:1002)',
    });
  assert.throws(() => store.setWeight('nope', A.id, 2, 'x'), { code: 'LB_ERR_NOT_FOUND' });
  assert.throws(() => store.setSourceTargets('web', 'config', [], 'x'), { code: 'LB_ERR_INVALID_ARGUMENT' });
  assert.equal(store.setHealth('web', C.id, 'healthy', 'x'), false, 'health of an unknown target is ignored');
  store.removeTarget('web', B.id, 'admin DELETE');
  assert.equal(store.pool('web')!.changedAtRuntime, true);
  store.addTarget('web', B, 'admin POST');
  assert.equal(store.pool('web')!.changedAtRuntime, false, 'added back as configured');
});

test('a discovery source can feed a pool before the config names it', () => {
  const { store } = storeWith({ web: [A] });
  store.setSourceTargets('api', 'dns:api', [C], 'dns');
  assert.equal(store.pool('api'), undefined);
  store.applyConfig({ web: [A], api: [] }, 'config reload');
  assert.deepEqual(
    store.pool('api')!.targets.map((t) => [t.id, t.sources]),
    [[C.id, ['dns:api']]],
  );
});
