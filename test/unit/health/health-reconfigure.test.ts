import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthChecker, type HealthSettings, type HealthTransition } from '../../../src/health/health-checker.js';
import type { Probe } from '../../../src/health/probe.js';
import type { TargetSpec } from '../../../src/core/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// reconfigure() is what a reload does to a pool's checks: these pin what a changed interval does.

const spec = (id: string): TargetSpec => ({ id, host: '127.0.0.1', port: 1, weight: 1, backup: false });
const base: HealthSettings = { intervalMs: 1000, timeoutMs: 300, rise: 1, fall: 1, jitter: 0, passiveDownMs: 5000 };
const off: HealthSettings = { ...base, intervalMs: 0 };

function setup(s: HealthSettings, up: (id: string) => boolean) {
  const clock = new FakeClock();
  const transitions: HealthTransition[] = [];
  const checks: number[] = [];
  const probe: Probe = (t) =>
    Promise.resolve(up(t.id) ? { ok: true, latencyMs: 1, detail: 'ok' } : { ok: false, detail: 'refused' });
  const hc = new HealthChecker(s, {
    clock,
    probe,
    random: () => 0.5,
    sink: { onTransition: (t) => transitions.push(t), onCheck: () => checks.push(clock.now()) },
  });
  const tick = async (ms: number): Promise<void> => {
    for (let step = 0; step < ms; step += 50) {
      clock.advance(Math.min(50, ms - step));
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  return { clock, hc, transitions, checks, tick };
}

test('reconfigure: turning checks on (a reload from type none) starts them', async () => {
  const { hc, checks, transitions, tick } = setup(off, () => false);
  hc.track(spec('a'));
  await tick(3000);
  assert.equal(checks.length, 0, 'no active checks while off');
  hc.reconfigure(base, (_t) => Promise.resolve({ ok: false, detail: 'refused' }));
  await tick(3000);
  assert.ok(checks.length >= 2, `${checks.length} checks after turning them on`);
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['unhealthy'],
  );
});

test('reconfigure: a shorter interval does not wait out the old one; the health state is kept', async () => {
  const { hc, checks, transitions, tick, clock } = setup({ ...base, intervalMs: 60_000 }, () => true);
  hc.track(spec('a'));
  await tick(40_000); // the first check (at half an interval): UP
  assert.deepEqual([checks.length, hc.state('a')], [1, 'healthy']);
  const at = clock.now();
  hc.reconfigure({ ...base, intervalMs: 1000 }, (_t) => Promise.resolve({ ok: true, latencyMs: 1, detail: 'ok' }));
  await tick(2000);
  assert.ok(checks.filter((c) => c > at).length >= 1, 'checked within the new interval');
  assert.equal(transitions.length, 1, 'no flap: still the one transition to healthy');
  assert.equal(hc.state('a'), 'healthy');
});

test('reconfigure: turning checks off leaves a DOWN target to the passive fail timeout, not DOWN for good', async () => {
  const { hc, checks, transitions, tick } = setup(base, () => false);
  hc.track(spec('a'));
  await tick(1000);
  assert.equal(hc.state('a'), 'unhealthy');
  hc.reconfigure(off, (_t) => Promise.resolve({ ok: false, detail: 'refused' }));
  const n = checks.length;
  await tick(4000);
  assert.deepEqual([checks.length, hc.state('a')], [n, 'unhealthy'], 'no checks; still DOWN before the fail timeout');
  await tick(1500);
  assert.equal(hc.state('a'), 'unknown');
  assert.equal(transitions.at(-1)!.cause, 'passive fail timeout expired');
});

test('reconfigure: the same interval changes nothing in the schedule', async () => {
  const { hc, checks, tick } = setup(base, () => true);
  hc.track(spec('a'));
  await tick(600);
  const n = checks.length;
  hc.reconfigure({ ...base, rise: 3 }, (_t) => Promise.resolve({ ok: true, latencyMs: 1, detail: 'ok' }));
  await tick(300);
  assert.equal(checks.length, n, 'not rescheduled to an earlier check');
});
