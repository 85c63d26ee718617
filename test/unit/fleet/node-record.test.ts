import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthOf, nodesView, othersHealth, parseNodeRecord, type NodeRecord } from '../../../src/fleet/node-record.js';

const node = (name: string, configHash: string, health?: NodeRecord['health']): NodeRecord => ({
  name,
  adminUrl: `http://127.0.0.1:${name.length}`,
  version: '1.0.0',
  startedAt: '2026-12-03T05:00:00.000Z',
  configHash,
  revision: 7,
  ...(health ? { health } : {}),
});

test('a registration is parsed with its health view; a malformed view (another version, junk) is left out, the node kept', () => {
  const health = { web: { '127.0.0.1:1': 'healthy', '127.0.0.1:2': 'unhealthy' } } as const;
  assert.deepEqual(parseNodeRecord(JSON.stringify(node('lb-2', 'h1', health))), node('lb-2', 'h1', health));
  for (const bad of [{ web: { a: 'up' } }, { web: ['healthy'] }, 'healthy', [{}], { web: null }]) {
    const parsed = parseNodeRecord(JSON.stringify({ ...node('lb-2', 'h1'), health: bad }));
    assert.deepEqual(parsed, node('lb-2', 'h1'), JSON.stringify(bad));
  }
  assert.equal(parseNodeRecord('{"name":"lb-2"}'), undefined, 'no config hash');
  assert.equal(parseNodeRecord('not json'), undefined);
});

test('GET /api/nodes: sorted by name, config hashes compared with this node, health views left out', () => {
  const h = { web: { '127.0.0.1:1': 'healthy' } } as const;
  const view = nodesView(node('lb-1', 'h1', h), [node('lb-3', 'h2', h), node('lb-2', 'h1', h)]);
  assert.deepEqual(
    view.nodes.map((n) => [n.name, n.self, n.configDiffers, 'health' in n]),
    [
      ['lb-1', true, false, false],
      ['lb-2', false, false, false],
      ['lb-3', false, true, false],
    ],
  );
  assert.deepEqual(view.configHashes, { h1: ['lb-1', 'lb-2'], h2: ['lb-3'] });
  assert.equal(view.sameConfig, false);
  assert.equal(nodesView(node('lb-1', 'h1'), [node('lb-2', 'h1')]).sameConfig, true);
});

test("the others' health: pool → target → node, this node and nodes without the target left out", () => {
  const records = [
    node('lb-3', 'h', { web: { a: 'unhealthy', b: 'healthy' } }),
    node('lb-1', 'h', { web: { a: 'healthy' } }),
    node('lb-2', 'h', { web: { a: 'healthy' }, api: { c: 'unknown' } }),
    node('lb-4', 'h'), // registered before it published a view
  ];
  const others = othersHealth('lb-1', records);
  assert.deepEqual(
    [...others].map(([pool, targets]) => [pool, Object.fromEntries(targets)]),
    [
      ['web', { a: { 'lb-2': 'healthy', 'lb-3': 'unhealthy' }, b: { 'lb-3': 'healthy' } }],
      ['api', { c: { 'lb-2': 'unknown' } }],
    ],
  );
  assert.deepEqual(
    healthOf({
      web: {
        targets: [
          { id: 'a', health: 'healthy' },
          { id: 'b', health: 'unknown' },
        ],
      },
      empty: { targets: [] },
    }),
    { web: { a: 'healthy', b: 'unknown' }, empty: {} },
  );
});
