import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirstBalancer } from '../../../src/balancer/first.js';
import { balancerFactories, createBalancer } from '../../../src/balancer/registry.js';
import { BALANCER_KINDS } from '../../../src/balancer/balancer.js';

test('first: always the first eligible target in configured order, skipping exclusions', () => {
  const b = new FirstBalancer();
  b.rebuild([
    { id: 'a', weight: 1, activeConnections: 100 },
    { id: 'b', weight: 1, activeConnections: 0 },
  ]);
  assert.equal(b.pick({ clientIp: 'x' })?.id, 'a');
  assert.equal(b.pick({ clientIp: 'x', exclude: new Set(['a']) })?.id, 'b');
  assert.equal(b.pick({ clientIp: 'x', exclude: new Set(['a', 'b']) }), undefined);
});

test('registry: every kind builds a balancer of that kind', () => {
  assert.deepEqual(Object.keys(balancerFactories).sort(), [...BALANCER_KINDS].sort());
  for (const kind of BALANCER_KINDS) assert.equal(createBalancer(kind, { random: () => 0.5 }).kind, kind);
});
