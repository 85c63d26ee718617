import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomBalancer } from '../../../src/balancer/random.js';
import { seededRandom } from '../../helpers/fake-clock.js';

test('random (P2C): of two draws the less loaded wins', () => {
  // draws: 0.1 → a (first third), 0.9 → c
  const draws = [0.1, 0.9];
  const b = new RandomBalancer({ random: () => draws.shift() ?? 0 });
  b.rebuild([
    { id: 'a', weight: 1, activeConnections: 7 },
    { id: 'b', weight: 1, activeConnections: 0 },
    { id: 'c', weight: 1, activeConnections: 3 },
  ]);
  assert.equal(b.pick({ clientIp: 'x' })?.id, 'c');
});

test('random (P2C): spreads by weight, skips exclusions, empty gives undefined', () => {
  const b = new RandomBalancer({ random: seededRandom(42) });
  b.rebuild([
    { id: 'a', weight: 3, activeConnections: 0 },
    { id: 'b', weight: 1, activeConnections: 0 },
  ]);
  const counts = { a: 0, b: 0 };
  for (let i = 0; i < 4000; i++) counts[b.pick({ clientIp: 'x' })!.id as 'a' | 'b']++;
  // with equal loads P2C keeps the first draw: a is drawn 3/4 of the time
  assert.ok(counts.a > 2700 && counts.a < 3300, JSON.stringify(counts));
  for (let i = 0; i < 50; i++) assert.equal(b.pick({ clientIp: 'x', exclude: new Set(['a']) })?.id, 'b');
  assert.equal(b.pick({ clientIp: 'x', exclude: new Set(['a', 'b']) }), undefined);
  b.rebuild([]);
  assert.equal(b.pick({ clientIp: 'x' }), undefined);
});
