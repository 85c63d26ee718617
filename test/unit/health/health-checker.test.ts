import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthChecker, type HealthSettings, type HealthTransition } from '../../../src/health/health-checker.js';
import type { Probe, ProbeResult } from '../../../src/health/probe.js';
import type { TargetSpec } from '../../../src/core/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const spec = (id: string): TargetSpec => ({ id, host: '127.0.0.1', port: 1, weight: 1, backup: false });
const settings: HealthSettings = { intervalMs: 1000, timeoutMs: 300, rise: 2, fall: 3, jitter: 0, passiveDownMs: 5000 };

/** A probe whose answers the test scripts per target: true/false, or 'hang' (never answers). */
function scriptedProbe(script: Map<string, (boolean | 'hang')[]>): Probe {
  return (t, signal) => {
    const next = script.get(t.id)?.shift() ?? true;
    if (next === 'hang')
      return new Promise<ProbeResult>((resolve) =>
        signal.addEventListener('abort', () => resolve({ ok: false, detail: 'connect timeout' })),
      );
    return Promise.resolve(
      next ? { ok: true, latencyMs: 1, detail: 'connect ok' } : { ok: false, detail: 'connect ECONNREFUSED' },
    );
  };
}

function setup(script: Map<string, (boolean | 'hang')[]>, s = settings) {
  const clock = new FakeClock();
  const transitions: HealthTransition[] = [];
  const checks: string[] = [];
  const hc = new HealthChecker(s, {
    clock,
    probe: scriptedProbe(script),
    random: () => 0,
    sink: {
      onTransition: (t) => transitions.push(t),
      onCheck: (id, r) => checks.push(`${id}:${r.ok ? 'ok' : 'fail'}`),
    },
  });
  const tick = async (ms: number): Promise<void> => {
    clock.advance(ms);
    for (let i = 0; i < 5; i++) await Promise.resolve(); // let probe promises settle
    await new Promise((r) => setImmediate(r));
  };
  return { clock, hc, transitions, checks, tick };
}

test('active checks: down after `fall` failures with the cause, up after `rise` successes', async () => {
  const { hc, transitions, tick, clock } = setup(new Map([['a', [true, false, false, false, true, true]]]));
  hc.track(spec('a'));
  await tick(0); // first check at once (random 0)
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['healthy'],
  );
  for (let i = 0; i < 3; i++) await tick(1000);
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['healthy', 'unhealthy'],
  );
  assert.equal(transitions[1]!.cause, 'after 3 failed checks: connect ECONNREFUSED');
  await tick(1000);
  assert.equal(hc.state('a'), 'unhealthy');
  await tick(1000);
  assert.equal(hc.state('a'), 'healthy');
  assert.equal(transitions[2]!.cause, 'after 2 successful checks');
  await hc.stop();
  assert.equal(clock.pending, 0, 'stop() clears every timer');
});

test('a probe that never answers fails at the check timeout', async () => {
  const { hc, tick, checks } = setup(new Map([['a', ['hang', 'hang', 'hang']]]), { ...settings, fall: 1 });
  hc.track(spec('a'));
  await tick(0);
  assert.deepEqual(checks, []);
  await tick(299);
  assert.deepEqual(checks, []);
  await tick(1);
  assert.deepEqual(checks, ['a:fail']);
  assert.equal(hc.state('a'), 'unhealthy');
  await hc.stop();
});

test('passive: `fall` consecutive connect failures mark down; a success in between resets', async () => {
  const { hc, transitions, tick } = setup(new Map([['a', [true, false, true]]]), {
    ...settings,
    intervalMs: 1000,
  });
  hc.track(spec('a'));
  await tick(0);
  hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  hc.reportConnectSuccess('a');
  hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  assert.equal(hc.state('a'), 'healthy');
  hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  assert.equal(hc.state('a'), 'unhealthy');
  assert.equal(transitions.at(-1)!.cause, 'after 3 failed connections: connect ECONNREFUSED');
  // probed at once: refused (still restarting), the mark holds
  await tick(0);
  assert.equal(hc.state('a'), 'unhealthy');
  // the next check passes: UP on that one success, `rise` (2) does not apply to a traffic mark
  await tick(1000);
  assert.equal(hc.state('a'), 'healthy');
  assert.equal(transitions.at(-1)!.cause, 'after 1 successful check');
  await hc.stop();
});

test('passive only (no active checks): a marked-down target is retried after the fail timeout', async () => {
  const { hc, tick, clock } = setup(new Map(), { ...settings, intervalMs: 0, fall: 1 });
  hc.track(spec('a'));
  assert.equal(clock.pending, 0, 'no active check timers');
  hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  assert.equal(hc.state('a'), 'unhealthy');
  await tick(4999);
  assert.equal(hc.state('a'), 'unhealthy');
  await tick(1);
  assert.equal(hc.state('a'), 'unknown');
  await hc.stop();
});

test('untrack stops checking a target', async () => {
  const { hc, tick, checks, clock } = setup(new Map());
  hc.track(spec('a'));
  hc.track(spec('b'));
  await tick(0);
  assert.equal(checks.length, 2);
  hc.untrack('a');
  await tick(1000);
  assert.deepEqual(checks.slice(2), ['b:ok']);
  await hc.stop();
  assert.equal(clock.pending, 0);
});

test('a target marked DOWN by traffic is probed at once, then at the fast interval, and rises on one success', async () => {
  // checks: first (ok), the immediate one after the passive mark (refused: still restarting), then ok
  const { hc, tick, checks, transitions } = setup(new Map([['a', [true, false, true]]]), {
    ...settings,
    intervalMs: 2000,
    fastIntervalMs: 100,
    fall: 3,
    rise: 2,
  });
  hc.track(spec('a'));
  await tick(0);
  assert.deepEqual(checks, ['a:ok']);
  for (let i = 0; i < 3; i++) hc.reportConnectFailure('a', 'connect ECONNREFUSED');
  assert.equal(hc.state('a'), 'unhealthy');
  assert.equal(transitions.at(-1)!.cause, 'after 3 failed connections: connect ECONNREFUSED');
  await tick(0);
  assert.deepEqual(checks, ['a:ok', 'a:fail'], 'probed at once, not after the 2 s interval');
  assert.equal(hc.state('a'), 'unhealthy');
  await tick(99);
  assert.equal(checks.length, 2);
  await tick(1);
  assert.deepEqual(checks, ['a:ok', 'a:fail', 'a:ok'], 'then at the fast interval');
  assert.equal(hc.state('a'), 'healthy', 'up on the first success, not after `rise`');
  assert.equal(transitions.at(-1)!.cause, 'after 1 successful check');
  // healthy again: back to the normal interval
  await tick(1999);
  assert.equal(checks.length, 3);
  await tick(1);
  assert.equal(checks.length, 4);
  await hc.stop();
});

test('table: the checks a target needs to rise, by how its DOWN began (clock injected)', async () => {
  // rise 3, fall 2, interval 1000, fast 100; `down` says how the target went DOWN; `checks` are
  // the results of the checks after that; `up` the check after which it is UP (0: still DOWN).
  const cases: { down: 'traffic' | 'checks'; checks: boolean[]; up: number }[] = [
    { down: 'traffic', checks: [true], up: 1 },
    { down: 'traffic', checks: [false, false, false, true], up: 4 },
    { down: 'traffic', checks: [false, false, false], up: 0 },
    { down: 'checks', checks: [true], up: 0 },
    { down: 'checks', checks: [true, true, true], up: 3 },
    { down: 'checks', checks: [true, false, true, true, true], up: 5 },
  ];
  for (const c of cases) {
    const first = c.down === 'traffic' ? [true] : [false, false];
    const { hc, tick, checks } = setup(new Map([['a', [...first, ...c.checks]]]), {
      ...settings,
      intervalMs: 1000,
      downIntervalMs: 1000,
      fastIntervalMs: 100,
      rise: 3,
      fall: 2,
    });
    hc.track(spec('a'));
    await tick(0);
    if (c.down === 'traffic') for (let i = 0; i < 2; i++) hc.reportConnectFailure('a', 'connect ECONNREFUSED');
    else await tick(1000);
    assert.equal(hc.state('a'), 'unhealthy', JSON.stringify(c));
    let upAfter = 0;
    for (let i = 1; i <= c.checks.length; i++) {
      const n = checks.length;
      // a traffic mark is probed at once; then the fast (traffic) or the down/fast interval
      for (let k = 0; k < 50 && checks.length === n; k++) await tick(c.down === 'traffic' && i === 1 ? 0 : 100);
      assert.equal(checks.length, n + 1, `check ${i} came: ${JSON.stringify(c)}`);
      if (upAfter === 0 && hc.state('a') === 'healthy') upAfter = i;
    }
    assert.equal(upAfter, c.up, JSON.stringify(c));
    await hc.stop();
  }
});

test('a connection that reaches a DOWN target pulls its next check forward, once', async () => {
  const { hc, tick, checks } = setup(new Map([['a', [false, true, true]]]), {
    ...settings,
    intervalMs: 5000,
    downIntervalMs: 5000,
    fastIntervalMs: 50,
    fall: 1,
    rise: 2,
  });
  hc.track(spec('a'));
  await tick(0);
  assert.equal(hc.state('a'), 'unhealthy');
  await tick(1000);
  assert.equal(checks.length, 1, 'DOWN by checks: the down interval');
  hc.reportConnectSuccess('a');
  hc.reportConnectSuccess('a'); // a burst of last-resort connections schedules one check
  await tick(0);
  assert.deepEqual(checks, ['a:fail', 'a:ok']);
  assert.equal(hc.state('a'), 'unhealthy', 'a connect is not a check: rise still applies');
  await tick(50);
  assert.equal(hc.state('a'), 'healthy');
  await hc.stop();
});

test('a check that fails on this host (EMFILE, ENFILE, ENOBUFS, EADDRNOTAVAIL) is not counted: no DOWN', async () => {
  const clock = new FakeClock();
  const transitions: HealthTransition[] = [];
  let n = 0;
  const hc = new HealthChecker(settings, {
    clock,
    // first one success, then only local failures
    probe: () =>
      Promise.resolve(
        n++ === 0
          ? { ok: true, latencyMs: 1, detail: 'connect ok' }
          : { ok: false, detail: 'connect EMFILE', local: true },
      ),
    random: () => 0,
    sink: { onTransition: (t) => transitions.push(t), onCheck: () => undefined },
  });
  hc.track(spec('a'));
  for (let i = 0; i < 10; i++) {
    clock.advance(i === 0 ? 0 : 1000);
    for (let j = 0; j < 5; j++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(n >= 5, `checks ran (${n})`);
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['healthy'],
    'never marked DOWN by local failures',
  );
  await hc.stop();
});
