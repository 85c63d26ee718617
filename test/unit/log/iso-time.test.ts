import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { isoTimeOncePerMs } from '../../../src/log/iso-time.js';

test("the time field is pino's isoTime, byte for byte, from one millisecond to the next", () => {
  let now = Date.UTC(2026, 11, 4, 16, 13, 18, 834);
  let built = 0;
  const time = isoTimeOncePerMs(() => {
    built++;
    return now;
  });
  const realNow = Date.now;
  try {
    Date.now = () => now; // pino's isoTime reads Date.now()
    assert.equal(time(), pino.stdTimeFunctions.isoTime());
    assert.equal(time(), ',"time":"2026-12-04T16:13:18.834Z"');
    const same = time();
    now += 1;
    assert.equal(time(), ',"time":"2026-12-04T16:13:18.835Z"');
    assert.equal(time(), pino.stdTimeFunctions.isoTime());
    assert.notEqual(same, time());
  } finally {
    Date.now = realNow;
  }
  assert.equal(built, 6, 'the clock is read at every line');
});
