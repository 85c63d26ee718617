import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../../src/app.js';
import { fanout } from '../../../src/log/access-log.js';
import { createLogger } from '../../../src/log/logger.js';
import {
  addTarget,
  divergesFromConfig,
  removeTarget,
  setAdminState,
  setWeight,
  storedPool,
} from '../../helpers/target-changes.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

const withTargets = (targets: string[]) =>
  config({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets, healthCheck: { interval: '1s', timeout: '500ms' } } },
  });

async function appWith(targets: string[]) {
  const clock = new FakeClock();
  const app = new App({
    log: createLogger({ level: 'silent', format: 'json' }).log,
    clock,
    random: seededRandom(7),
    observer: fanout([]),
  });
  await app.apply(withTargets(targets));
  return { app, clock, rt: storedPool(app, 'web') };
}

const A = '127.0.0.1:1001';
const B = '127.0.0.1:1002';
const C = '127.0.0.1:1003';
const D = '127.0.0.1:1004';

test('admin state survives a reload for targets the config names; membership and weights reset', async () => {
  const { app, clock, rt } = await appWith([A, B, C]);
  try {
    assert.equal(clock.pending, 3, 'one scheduled check per target');
    const b = rt.pool.get(B)!;
    app.store.setHealth('web', B, 'unhealthy', 'after 3 failed checks'); // as a check would
    setAdminState(rt, B, 'maint', clock.now());
    assert.equal(clock.pending, 2, 'maint: no more checks for B');
    setAdminState(rt, C, 'drain', clock.now());
    assert.equal(clock.pending, 2, 'drain: still checked');
    addTarget(rt, { host: '127.0.0.1', port: 1004, weight: 2, backup: false });
    setWeight(rt, A, 5);
    assert.equal(clock.pending, 3, 'the added target is checked');
    assert.ok(divergesFromConfig(rt));
    assert.deepEqual(
      rt.pool.targets().map((t) => [t.id, t.weight, t.admin, t.eligible]),
      [
        [A, 5, 'ready', true],
        [B, 1, 'maint', false],
        [C, 1, 'drain', false],
        [D, 2, 'ready', true],
      ],
    );

    const summary = await app.apply(withTargets([A, B, C]));
    assert.deepEqual(summary.pools.changed, ['web'], 'a pool changed at runtime is reset to its config');
    assert.equal(rt.pool.get(B), b, 'same Target object: health, state and counters kept');
    assert.deepEqual(
      rt.pool.targets().map((t) => [t.id, t.weight, t.admin]),
      [
        [A, 1, 'ready'],
        [B, 1, 'maint'],
        [C, 1, 'drain'],
      ],
    );
    assert.equal(clock.pending, 2, 'the reload does not resume checks of a target in maint');
    assert.ok(!divergesFromConfig(rt));

    setAdminState(rt, B, 'ready', clock.now());
    assert.equal(clock.pending, 3, 'leaving maint resumes checks');
    assert.equal(b.health, 'unknown');
    assert.equal(b.lastChange?.cause, 'left maintenance; checks resume');

    await app.apply(withTargets([A, B]));
    await app.apply(withTargets([A, B, C]));
    assert.equal(rt.pool.get(C)?.admin, 'ready', 'a target the config dropped comes back with a fresh state');
  } finally {
    await app.stop();
  }
});

test('a reload of an unchanged pool without runtime changes leaves it alone', async () => {
  const { app, rt } = await appWith([A, B]);
  try {
    const summary = await app.apply(withTargets([A, B]));
    assert.deepEqual(summary.pools.changed, []);
    assert.ok(!divergesFromConfig(rt));
  } finally {
    await app.stop();
  }
});

test('runtime membership changes: conflicts and unknown targets are coded errors', async () => {
  const { app, clock, rt } = await appWith([A, B]);
  try {
    assert.throws(() => addTarget(rt, { host: '127.0.0.1', port: 1001, weight: 1, backup: false }), {
      code: 'LB_ERR_CONFLICT',
      message: `pool "web" already has target ${A}`,
    });
    for (const fn of [
      () => removeTarget(rt, C),
      () => setWeight(rt, C, 2),
      () => setAdminState(rt, C, 'drain', clock.now()),
    ])
      assert.throws(fn, { code: 'LB_ERR_NOT_FOUND', message: `pool "web" has no target ${C} (targets: ${A}, ${B})` });
    const removed = removeTarget(rt, B);
    assert.equal(removed.removed, true);
    assert.deepEqual(
      rt.pool.targets().map((t) => t.id),
      [A],
    );
    assert.equal(clock.pending, 1, 'a removed target is no longer checked');
    assert.ok(divergesFromConfig(rt));
    addTarget(rt, { host: '127.0.0.1', port: 1002, weight: 1, backup: false });
    assert.ok(!divergesFromConfig(rt), 'added back as configured: the pool matches its config again');
  } finally {
    await app.stop();
  }
});
