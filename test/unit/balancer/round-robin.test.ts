import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinBalancer } from '../../../src/balancer/round-robin.js';
import type { Candidate } from '../../../src/balancer/balancer.js';

const c = (id: string, weight = 1): Candidate => ({ id, weight, activeConnections: 0 });
const picks = (b: RoundRobinBalancer, n: number, exclude?: Set<string>): string[] =>
  Array.from({ length: n }, () => b.pick({ clientIp: '1.2.3.4', exclude })?.id ?? '-');

test('round-robin: table of weight sets and the sequences they give', () => {
  const cases: { weights: [string, number][]; n: number; want: string }[] = [
    {
      weights: [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
      n: 6,
      want: 'abcabc',
    },
    {
      weights: [
        ['a', 5],
        ['b', 1],
        ['c', 1],
      ],
      n: 7,
      want: 'aabacaa',
    }, // nginx's documented smooth sequence
    {
      weights: [
        ['a', 2],
        ['b', 1],
      ],
      n: 6,
      want: 'abaaba',
    },
    { weights: [['a', 1]], n: 3, want: 'aaa' },
    { weights: [], n: 2, want: '--' },
  ];
  for (const { weights, n, want } of cases) {
    const b = new RoundRobinBalancer();
    b.rebuild(weights.map(([id, w]) => c(id, w)));
    assert.equal(picks(b, n).join(''), want, JSON.stringify(weights));
  }
});

test('round-robin: weights are honoured exactly over a full cycle and never burst', () => {
  const b = new RoundRobinBalancer();
  b.rebuild([c('a', 3), c('b', 2), c('c', 1)]);
  const seq = picks(b, 600);
  assert.deepEqual(
    ['a', 'b', 'c'].map((id) => seq.filter((x) => x === id).length),
    [300, 200, 100],
  );
  for (let i = 2; i < seq.length; i++) assert.ok(!(seq[i] === seq[i - 1] && seq[i] === seq[i - 2]), 'no run of 3');
});

test('round-robin: excluded targets are skipped, and rotation survives a rebuild', () => {
  const b = new RoundRobinBalancer();
  const list = [c('a'), c('b'), c('c')];
  b.rebuild(list);
  assert.equal(picks(b, 4, new Set(['b'])).join(''), 'acac');
  assert.equal(picks(b, 3, new Set(['a', 'b', 'c'])).join(''), '---');
  const b2 = new RoundRobinBalancer();
  b2.rebuild(list);
  assert.equal(picks(b2, 1).join(''), 'a');
  b2.rebuild([...list]); // same membership: continue where it was
  assert.equal(picks(b2, 2).join(''), 'bc');
});
