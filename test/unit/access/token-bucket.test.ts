import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fullBucket, isFull, take } from '../../../src/access/token-bucket.js';

test('token bucket: a burst, then the steady rate, on a clock the test moves', () => {
  const s = { perSecond: 20, burst: 40 };
  const b = fullBucket(s, 0);
  let granted = 0;
  for (let i = 0; i < 100; i++) if (take(b, s, 0)) granted++;
  assert.equal(granted, 40, 'the burst at once');
  assert.equal(take(b, s, 49), false, '49 ms earn less than one token at 20/s');
  assert.equal(take(b, s, 50), true, '50 ms earn one');
  assert.equal(take(b, s, 50), false);
  // one second later: 20 more
  granted = 0;
  for (let i = 0; i < 100; i++) if (take(b, s, 1050)) granted++;
  assert.equal(granted, 20);
});

test('token bucket: refills up to the burst only, and knows when it is full', () => {
  const s = { perSecond: 10, burst: 3 };
  const b = fullBucket(s, 1000);
  assert.ok(isFull(b, s, 1000));
  assert.ok(take(b, s, 1000));
  assert.equal(isFull(b, s, 1000), false);
  assert.equal(isFull(b, s, 1099), false);
  assert.ok(isFull(b, s, 1100));
  let granted = 0;
  for (let i = 0; i < 10; i++) if (take(b, s, 60_000)) granted++;
  assert.equal(granted, 3, 'a long quiet spell still gives only the burst');
});

test('token bucket: a clock going backwards grants nothing extra', () => {
  const s = { perSecond: 1, burst: 1 };
  const b = fullBucket(s, 5000);
  assert.ok(take(b, s, 5000));
  assert.equal(take(b, s, 1000), false);
  assert.equal(take(b, s, 5999), false);
  assert.ok(take(b, s, 6000));
});

test('token bucket: a smaller burst after a reload clamps the tokens', () => {
  const b = fullBucket({ perSecond: 1, burst: 100 }, 0);
  const smaller = { perSecond: 1, burst: 2 };
  let granted = 0;
  for (let i = 0; i < 10; i++) if (take(b, smaller, 0)) granted++;
  assert.equal(granted, 2);
});

test('token bucket: over any run of arrivals, grants never exceed burst + rate × elapsed', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.1, max: 1000, noNaN: true }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 300 }),
      (perSecond, burst, gaps) => {
        const s = { perSecond, burst };
        const b = fullBucket(s, 0);
        let now = 0;
        let granted = 0;
        for (const gap of gaps) {
          now += gap;
          if (take(b, s, now)) granted++;
        }
        return granted <= burst + (perSecond * now) / 1000 + 1e-9;
      },
    ),
  );
});
