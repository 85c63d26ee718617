import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../../src/discovery/backoff.js';
import { seededRandom } from '../../helpers/fake-clock.js';

test('backoff: doubles up to the cap, with bounded jitter; reset starts over', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => b.next()),
    [100, 200, 400, 800, 1000, 1000],
  );
  b.reset();
  assert.equal(b.next(), 100);
  const j = new Backoff({ initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.2 }, seededRandom(7));
  const d = [1, 2, 3].map(() => j.next());
  [1000, 2000, 4000].forEach((base, i) =>
    assert.ok(d[i]! >= base * 0.8 && d[i]! <= base * 1.2, `${d[i]} near ${base}`),
  );
  const capped = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5 }, () => 0.999);
  assert.ok(capped.next() <= 1000, 'jitter never goes past the cap');
});
