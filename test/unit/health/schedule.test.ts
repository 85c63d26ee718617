import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkInterval, firstCheckDelay, nextCheckDelay } from '../../../src/health/schedule.js';
import type { HealthState } from '../../../src/core/types.js';

test('check delays: jitter spreads around the interval, bounded on both sides', () => {
  const cases: { interval: number; jitter: number; r: number; want: number }[] = [
    { interval: 2000, jitter: 0.1, r: 0, want: 1800 },
    { interval: 2000, jitter: 0.1, r: 0.5, want: 2000 },
    { interval: 2000, jitter: 0.1, r: 0.999999, want: 2200 },
    { interval: 1000, jitter: 0, r: 0.7, want: 1000 },
    { interval: 1, jitter: 0.5, r: 0, want: 1 }, // never 0: no busy loop
  ];
  for (const c of cases)
    assert.equal(
      nextCheckDelay(c.interval, c.jitter, () => c.r),
      c.want,
      JSON.stringify(c),
    );
  assert.equal(
    firstCheckDelay(2000, () => 0.5),
    100,
  );
  assert.equal(
    firstCheckDelay(60_000, () => 1),
    1000,
  );
});

test('check interval: fast in transition and after a mark by traffic, down interval while DOWN', () => {
  const s = { intervalMs: 2000, fastIntervalMs: 250, downIntervalMs: 5000 };
  const cases: { h: [HealthState, number, number]; traffic: boolean; want: number }[] = [
    { h: ['healthy', 0, 0], traffic: false, want: 2000 },
    { h: ['unknown', 0, 0], traffic: false, want: 2000 },
    { h: ['healthy', 0, 1], traffic: false, want: 250 }, // UP going down
    { h: ['unhealthy', 0, 3], traffic: false, want: 5000 }, // DOWN by checks
    { h: ['unhealthy', 1, 0], traffic: false, want: 250 }, // DOWN going up
    { h: ['unhealthy', 0, 4], traffic: true, want: 250 }, // marked DOWN by traffic
  ];
  for (const c of cases) {
    const [state, successes, failures] = c.h;
    assert.equal(checkInterval(s, { state, successes, failures }, c.traffic), c.want, JSON.stringify(c));
  }
  // HAProxy's defaults: both follow the interval when unset
  assert.equal(checkInterval({ intervalMs: 700 }, { state: 'unhealthy', successes: 1, failures: 0 }, true), 700);
  assert.equal(checkInterval({ intervalMs: 700 }, { state: 'unhealthy', successes: 0, failures: 2 }, false), 700);
});
