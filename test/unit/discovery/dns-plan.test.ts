import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressTargets, nextResolveMs, srvTargets, type Address } from '../../../src/discovery/dns-plan.js';

const show = (specs: ReturnType<typeof srvTargets>) => specs.map((s) => `${s.id}@${s.weight}${s.backup ? '+b' : ''}`);

test('SRV (RFC 2782): lowest priority are primaries, every higher one a backup; weight kept, 0 becomes 1; "." ignored', () => {
  const addrs = new Map<string, Address[]>([
    ['a.x', [{ address: '10.0.0.1', ttl: 5 }]],
    [
      'b.x',
      [
        { address: '10.0.0.2', ttl: 5 },
        { address: '2001:DB8::2', ttl: 5 },
      ],
    ],
    ['c.x', [{ address: '10.0.0.3', ttl: 5 }]],
  ]);
  const records = [
    { name: 'c.x', port: 3, priority: 30, weight: 5000 },
    { name: 'a.x', port: 1, priority: 10, weight: 60 },
    { name: 'b.x', port: 2, priority: 10, weight: 0 },
    { name: 'c.x', port: 4, priority: 20, weight: 1 },
    { name: 'gone.x', port: 5, priority: 1, weight: 1 }, // resolves to nothing: no target, not the primaries
    { name: '.', port: 0, priority: 0, weight: 0 },
    { name: '10.9.9.9', port: 9, priority: 10, weight: 2 },
  ];
  assert.deepEqual(show(srvTargets(records, addrs)), [
    '10.0.0.1:1@60',
    '10.0.0.2:2@1',
    '10.0.0.3:3@1000+b',
    '10.0.0.3:4@1+b',
    '10.9.9.9:9@2',
    '[2001:db8::2]:2@1',
  ]);
  assert.deepEqual(srvTargets([{ name: '.', port: 0, priority: 0, weight: 0 }], addrs), []);
});

test('SRV answers in any order give the same targets', () => {
  const addrs = new Map<string, Address[]>([
    ['a.x', [{ address: '10.0.0.1', ttl: 5 }]],
    ['b.x', [{ address: '10.0.0.2', ttl: 5 }]],
  ]);
  const r = [
    { name: 'a.x', port: 1, priority: 1, weight: 1 },
    { name: 'b.x', port: 2, priority: 2, weight: 3 },
  ];
  assert.deepEqual(srvTargets(r, addrs), srvTargets([...r].reverse(), addrs));
});

test('A/AAAA: every address at the port; re-resolve at the interval or sooner by TTL, never under 1 s', () => {
  assert.deepEqual(
    addressTargets(
      [
        { address: '10.0.0.2', ttl: 1 },
        { address: '10.0.0.1', ttl: 1 },
      ],
      80,
    ).map((s) => s.id),
    ['10.0.0.1:80', '10.0.0.2:80'],
  );
  assert.equal(nextResolveMs(10_000, [30, 5]), 5000);
  assert.equal(nextResolveMs(10_000, [60]), 10_000);
  assert.equal(nextResolveMs(10_000, []), 10_000);
  assert.equal(nextResolveMs(10_000, [0]), 1000);
});
