import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from '../../../src/config/suggest.js';

test('editDistance counts insertions, deletions, substitutions and swaps', () => {
  const cases: [string, string, number][] = [
    ['algorithm', 'algorithm', 0],
    ['algoritm', 'algorithm', 1],
    ['algorihtm', 'algorithm', 1],
    ['weigth', 'weight', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ];
  for (const [a, b, d] of cases) {
    assert.equal(editDistance(a, b), d, `${a} → ${b}`);
    assert.equal(editDistance(b, a), d, `${b} → ${a}`);
  }
});

test('closest suggests a likely typo only', () => {
  const keys = ['algorithm', 'targets', 'healthCheck', 'connectTimeout', 'idleTimeout', 'retries'];
  assert.equal(closest('algoritm', keys), 'algorithm');
  assert.equal(closest('healthcheck', keys), 'healthCheck');
  assert.equal(closest('target', keys), 'targets');
  assert.equal(closest('retires', keys), 'retries');
  assert.equal(closest('conectTimout', keys), 'connectTimeout');
  assert.equal(closest('servers', keys), undefined);
  assert.equal(closest('x', []), undefined);
});
