import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstCheckDelay, nextCheckDelay } from '../../../src/health/schedule.js';

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
