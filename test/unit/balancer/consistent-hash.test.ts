import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHashBalancer } from '../../../src/balancer/consistent-hash.js';
import type { Candidate } from '../../../src/balancer/balancer.js';

const targets = (n: number, weight = 1): Candidate[] =>
  Array.from({ length: n }, (_, i) => ({ id: `10.0.0.${i + 1}:80`, weight, activeConnections: 0 }));
const clients = Array.from({ length: 20_000 }, (_, i) => `192.168.${(i >> 8) & 255}.${i & 255}`);

const assign = (b: ConsistentHashBalancer): Map<string, string> =>
  new Map(clients.map((ip) => [ip, b.pick({ clientIp: ip })!.id]));

test('source-hash: the same client always gets the same target, in any listing order', () => {
  const a = new ConsistentHashBalancer();
  a.rebuild(targets(5));
  const b = new ConsistentHashBalancer();
  b.rebuild([...targets(5)].reverse());
  for (const ip of clients.slice(0, 500)) {
    assert.equal(a.pick({ clientIp: ip })!.id, a.pick({ clientIp: ip })!.id);
    assert.equal(a.pick({ clientIp: ip })!.id, b.pick({ clientIp: ip })!.id);
  }
});

test('source-hash: when one of N targets leaves, only about 1/N of clients move', () => {
  for (const n of [4, 5, 10]) {
    const b = new ConsistentHashBalancer();
    const all = targets(n);
    b.rebuild(all);
    const before = assign(b);
    const gone = all[1]!.id;
    b.rebuild(all.filter((t) => t.id !== gone));
    const after = assign(b);
    let moved = 0;
    let movedFromOthers = 0;
    for (const ip of clients) {
      if (before.get(ip) !== after.get(ip)) {
        moved++;
        if (before.get(ip) !== gone) movedFromOthers++;
      }
    }
    const share = moved / clients.length;
    assert.ok(share > 0.5 / n && share < 1.6 / n, `n=${n}: ${(share * 100).toFixed(1)}% moved`);
    // Maglev moves a few clients of the remaining targets too, but only a few.
    assert.ok(movedFromOthers / clients.length < 0.05, `n=${n}: ${movedFromOthers} moved from others`);
  }
});

test('source-hash: balanced spread and weights respected', () => {
  const b = new ConsistentHashBalancer();
  b.rebuild([...targets(3), { id: 'heavy:80', weight: 3, activeConnections: 0 }]);
  const counts = new Map<string, number>();
  for (const id of assign(b).values()) counts.set(id, (counts.get(id) ?? 0) + 1);
  const heavy = counts.get('heavy:80')! / clients.length;
  assert.ok(heavy > 0.4 && heavy < 0.6, `heavy share ${heavy}`); // 3/6
  for (const t of targets(3)) {
    const s = counts.get(t.id)! / clients.length;
    assert.ok(s > 0.1 && s < 0.24, `${t.id} share ${s}`); // 1/6 each
  }
});

test('source-hash: retries move to another target; empty pool gives undefined', () => {
  const b = new ConsistentHashBalancer(1009);
  b.rebuild(targets(3));
  const first = b.pick({ clientIp: '1.1.1.1' })!.id;
  const second = b.pick({ clientIp: '1.1.1.1', exclude: new Set([first]) })!.id;
  assert.notEqual(first, second);
  assert.equal(b.pick({ clientIp: '1.1.1.1', exclude: new Set(targets(3).map((t) => t.id)) }), undefined);
  b.rebuild([]);
  assert.equal(b.pick({ clientIp: '1.1.1.1' }), undefined);
});
