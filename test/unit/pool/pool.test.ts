import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../../src/pool/pool.js';
import { RoundRobinBalancer } from '../../../src/balancer/round-robin.js';
import type { TargetSpec } from '../../../src/core/types.js';

const spec = (id: string, weight = 1, backup = false): TargetSpec => ({
  id,
  host: id.split(':')[0]!,
  port: Number(id.split(':')[1]),
  weight,
  backup,
});
const pickIds = (p: Pool, n: number): string =>
  Array.from({ length: n }, () => p.select({ clientIp: 'x' })?.id.slice(-1) ?? '-').join('');

test('pool: backups serve only while no primary is eligible', () => {
  const p = new Pool('web', new RoundRobinBalancer(), [spec('h:1'), spec('h:2'), spec('h:9', 1, true)]);
  assert.equal(pickIds(p, 4), '1212');
  p.setHealth('h:1', 'unhealthy', 'test', 0);
  assert.equal(pickIds(p, 2), '22');
  p.setAdminState('h:2', 'maint');
  assert.equal(p.usingBackups, true);
  assert.equal(pickIds(p, 2), '99');
  p.setHealth('h:9', 'unhealthy', 'test', 0);
  assert.equal(pickIds(p, 1), '-');
  assert.equal(p.hasEligible(), false);
  p.setAdminState('h:2', 'ready');
  assert.equal(pickIds(p, 2), '22');
});

test('pool: drain and maint take a target out of rotation; unknown health is eligible', () => {
  const p = new Pool('web', new RoundRobinBalancer(), [spec('h:1'), spec('h:2')]);
  p.setAdminState('h:1', 'drain');
  assert.equal(pickIds(p, 3), '222');
  assert.equal(p.setAdminState('h:7', 'drain'), false);
});

test('pool: setTargets keeps health, admin state and counters of unchanged targets', () => {
  const p = new Pool('web', new RoundRobinBalancer(), [spec('h:1'), spec('h:2'), spec('h:3')]);
  p.setHealth('h:2', 'unhealthy', 'down', 5);
  p.setAdminState('h:3', 'drain');
  const t1 = p.get('h:1')!;
  p.acquire(t1);
  const diff = p.setTargets([spec('h:1', 5), spec('h:2'), spec('h:3'), spec('h:4')]);
  assert.deepEqual(diff, { added: ['h:4'], removed: [], changed: ['h:1'] });
  assert.equal(p.get('h:1'), t1);
  assert.equal(t1.activeConnections, 1);
  assert.equal(t1.weight, 5);
  assert.equal(p.get('h:2')!.health, 'unhealthy');
  assert.equal(p.get('h:3')!.admin, 'drain');
});

test('pool: a removed target with open connections drains, then disappears', () => {
  const p = new Pool('web', new RoundRobinBalancer(), [spec('h:1'), spec('h:2')]);
  const t2 = p.get('h:2')!;
  p.acquire(t2);
  const diff = p.setTargets([spec('h:1')]);
  assert.deepEqual(diff.removed, ['h:2']);
  assert.equal(pickIds(p, 3), '111');
  assert.deepEqual(
    p.retired().map((t) => t.id),
    ['h:2'],
  );
  p.release(t2, 10, 20);
  assert.deepEqual(p.retired(), []);
  assert.equal(t2.bytesFromClient, 10);
});

test('pool: with nothing eligible, selectDown offers a DOWN target, the least recently failed first', () => {
  const p = new Pool('web', new RoundRobinBalancer(), [spec('h:1'), spec('h:2'), spec('h:3'), spec('h:4')]);
  assert.equal(p.selectDown(), undefined, 'nothing is DOWN');
  for (const id of ['h:1', 'h:2', 'h:3', 'h:4']) p.setHealth(id, 'unhealthy', 'test', 0);
  p.get('h:1')!.lastFailureAt = 30;
  p.get('h:2')!.lastFailureAt = 10;
  p.get('h:3')!.lastFailureAt = 5;
  p.get('h:4')!.lastFailureAt = 1;
  p.setAdminState('h:4', 'maint'); // maintenance is the operator's word: never a last resort
  p.setAdminState('h:3', 'drain');
  assert.equal(p.select({ clientIp: 'x' }), undefined);
  assert.equal(p.selectDown()?.id, 'h:2');
  assert.equal(p.selectDown(new Set(['h:2']))?.id, 'h:1', 'a target already tried is skipped');
  assert.equal(p.selectDown(new Set(['h:1', 'h:2'])), undefined);
  p.setTargets([spec('h:1'), spec('h:3'), spec('h:4')]);
  assert.equal(p.selectDown()?.id, 'h:1', 'a removed target is never picked');
});

test('pool: a panic episode starts once and ends when a target is eligible again', () => {
  const p = new Pool('web', new RoundRobinBalancer(), [spec('h:1'), spec('h:2')]);
  p.setHealth('h:1', 'unhealthy', 'test', 0);
  p.setHealth('h:2', 'unhealthy', 'test', 0);
  assert.equal(p.notePanic(), true);
  assert.equal(p.notePanic(), false);
  p.setHealth('h:2', 'healthy', 'test', 1);
  p.setHealth('h:2', 'unhealthy', 'test', 2);
  assert.equal(p.notePanic(), true, 'a new episode after the pool had an eligible target');
});
