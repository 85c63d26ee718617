import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeastConnectionsBalancer } from '../../../src/balancer/least-connections.js';

interface C {
  id: string;
  weight: number;
  activeConnections: number;
}

test('least-connections: table of loads and weights', () => {
  const cases: { cands: [string, number, number][]; want: string }[] = [
    {
      cands: [
        ['a', 1, 5],
        ['b', 1, 2],
        ['c', 1, 9],
      ],
      want: 'b',
    },
    {
      cands: [
        ['a', 3, 5],
        ['b', 1, 2],
      ],
      want: 'a',
    }, // (5+1)/3 = 2 < (2+1)/1 = 3
    {
      cands: [
        ['a', 1, 0],
        ['b', 4, 3],
      ],
      want: 'a',
    }, // 1 vs 1: tie → rotation starts at a
    {
      cands: [
        ['a', 1, 1],
        ['b', 1, 0],
      ],
      want: 'b',
    },
  ];
  for (const { cands, want } of cases) {
    const b = new LeastConnectionsBalancer();
    b.rebuild(cands.map(([id, weight, activeConnections]) => ({ id, weight, activeConnections })));
    assert.equal(b.pick({ clientIp: 'x' })?.id, want, JSON.stringify(cands));
  }
});

test('least-connections: ties rotate, live counts steer, exclusions skip', () => {
  const list: C[] = [
    { id: 'a', weight: 1, activeConnections: 0 },
    { id: 'b', weight: 1, activeConnections: 0 },
    { id: 'c', weight: 1, activeConnections: 0 },
  ];
  const b = new LeastConnectionsBalancer();
  b.rebuild(list);
  const seq = [0, 1, 2].map(() => b.pick({ clientIp: 'x' })!.id);
  assert.deepEqual(seq.sort(), ['a', 'b', 'c']);
  // simulate connections that stay open: each pick takes the least loaded
  for (const x of list) x.activeConnections = 0;
  for (let i = 0; i < 30; i++) {
    const picked = b.pick({ clientIp: 'x' })!.id;
    list.find((x) => x.id === picked)!.activeConnections++;
  }
  assert.deepEqual(
    list.map((x) => x.activeConnections),
    [10, 10, 10],
  );
  assert.equal(b.pick({ clientIp: 'x', exclude: new Set(['a', 'b']) })?.id, 'c');
  assert.equal(b.pick({ clientIp: 'x', exclude: new Set(['a', 'b', 'c']) }), undefined);
});
