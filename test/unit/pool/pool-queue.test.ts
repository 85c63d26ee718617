import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BALANCER_KINDS } from '../../../src/balancer/balancer.js';
import { createBalancer } from '../../../src/balancer/registry.js';
import type { TargetSpec } from '../../../src/core/types.js';
import { Pool } from '../../../src/pool/pool.js';
import { SlotQueue, type Waiter } from '../../../src/pool/slot-queue.js';
import type { Target } from '../../../src/pool/target.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';

const spec = (port: number, maxConnections?: number): TargetSpec => ({
  id: `127.0.0.1:${port}`,
  host: '127.0.0.1',
  port,
  weight: 1,
  backup: false,
  ...(maxConnections !== undefined ? { maxConnections } : {}),
});

function pool(specs: TargetSpec[], maxQueue = 10, kind: (typeof BALANCER_KINDS)[number] = 'round-robin') {
  const clock = new FakeClock();
  const p = new Pool(
    'p',
    createBalancer(kind, { random: seededRandom(1) }),
    specs,
    new SlotQueue(clock, { maxQueue, timeoutMs: 1000 }),
  );
  for (const t of p.targets()) p.setHealth(t.id, 'healthy', 'test', 0);
  return { p, clock };
}

/** A queued connection: on a slot it takes the target the pool picks for it, as a session does. */
function waiter(p: Pool, served: [string, Target][], name: string, timedOut: string[] = []): Waiter {
  return {
    retry: () => {
      const t = p.select({ clientIp: name });
      if (t) {
        p.acquire(t);
        served.push([name, t]);
      }
      return t !== undefined;
    },
    onTimeout: () => timedOut.push(name),
  };
}

test('pool: no balancer picks a full target while another has room', () => {
  for (const kind of BALANCER_KINDS) {
    const { p } = pool([spec(1, 1), spec(2, 3)], 10, kind);
    const picked: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = p.select({ clientIp: `10.0.0.${i}` });
      assert.ok(t, `${kind}: pick ${i}`);
      p.acquire(t);
      picked.push(t.id);
    }
    assert.deepEqual(
      [...picked].sort(),
      ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:2', '127.0.0.1:2'],
      `${kind} fills each target up to its maxConnections`,
    );
    assert.equal(p.select({ clientIp: '10.0.0.9' }), undefined, `${kind}: all full`);
  }
});

test('pool: when all are full a connection queues (FIFO) and gets the slot a release frees', () => {
  const { p } = pool([spec(1, 1), spec(2, 1)]);
  const a = p.select({ clientIp: 'a' })!;
  p.acquire(a);
  const b = p.select({ clientIp: 'b' })!;
  p.acquire(b);
  const served: [string, Target][] = [];
  assert.equal(typeof p.enqueue(waiter(p, served, 'c')), 'object');
  assert.equal(typeof p.enqueue(waiter(p, served, 'd')), 'object');
  assert.equal(p.queue.length, 2);
  p.release(b, 0, 0);
  assert.deepEqual(
    served.map(([n, t]) => [n, t.id]),
    [['c', b.id]],
  );
  p.release(a, 0, 0);
  assert.deepEqual(
    served.map(([n, t]) => [n, t.id]),
    [
      ['c', b.id],
      ['d', a.id],
    ],
  );
  assert.equal(p.queue.length, 0);
});

test('pool: queue full fails fast; nothing to wait for gives undefined', () => {
  const { p } = pool([spec(1, 1)], 1);
  p.acquire(p.select({ clientIp: 'a' })!);
  const served: [string, Target][] = [];
  assert.equal(typeof p.enqueue(waiter(p, served, 'b')), 'object');
  assert.equal(p.enqueue(waiter(p, served, 'c')), 'queue_full');
  const t = p.targets()[0]!;
  assert.equal(p.enqueue(waiter(p, served, 'd'), new Set([t.id])), undefined, 'its only full target was tried');
  const uncapped = pool([spec(1)]).p;
  uncapped.setHealth('127.0.0.1:1', 'unhealthy', 'test', 0);
  assert.equal(uncapped.enqueue(waiter(uncapped, served, 'e')), undefined, 'no eligible target: no queue');
});

test('pool: queued connections time out; raising maxConnections on reload dispatches them', () => {
  const { p, clock } = pool([spec(1, 1)]);
  p.acquire(p.select({ clientIp: 'a' })!);
  const served: [string, Target][] = [];
  const timedOut: string[] = [];
  p.enqueue(waiter(p, served, 'b', timedOut));
  clock.advance(400);
  p.enqueue(waiter(p, served, 'c', timedOut));
  p.enqueue(waiter(p, served, 'd', timedOut));
  clock.advance(600);
  assert.deepEqual(timedOut, ['b']);
  p.setTargets([spec(1, 2)]);
  assert.deepEqual(
    served.map(([n]) => n),
    ['c'],
  );
  p.setTargets([spec(1, 2), spec(2, 5)]);
  p.setHealth('127.0.0.1:2', 'healthy', 'test', 0);
  assert.deepEqual(
    served.map(([n]) => n),
    ['c', 'd'],
    'a new target with room takes the rest',
  );
  clock.advance(5000);
  assert.deepEqual(timedOut, ['b']);
});
