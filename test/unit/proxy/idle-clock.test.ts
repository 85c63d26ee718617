import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleClock } from '../../../src/proxy/idle-clock.js';

test('IdleClock: idle once the byte count has not moved for the timeout, counted from the sweep that saw it move', () => {
  const c = new IdleClock();
  // [bytes, now, timeout, idle?, since]
  const steps: [number, number, number, boolean, number][] = [
    [0, 1000, 500, false, 1000], // first sweep: the count is new
    [0, 1400, 500, false, 1000], // quiet for 400 ms
    [0, 1500, 500, true, 1000], // quiet for 500 ms: idle
    [10, 1600, 500, false, 1600], // moved: the clock restarts
    [10, 2099, 500, false, 1600],
    [10, 2100, 500, true, 1600],
    [10, 9000, 0, false, 1600], // no timeout: never idle, but still tracked
    [11, 9100, 0, false, 9100],
  ];
  for (const [bytes, now, timeout, idle, since] of steps) {
    assert.equal(c.idleFor(bytes, now, timeout), idle, `bytes ${bytes} at ${now}`);
    assert.equal(c.since, since, `since at ${now}`);
  }
});
