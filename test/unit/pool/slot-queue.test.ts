import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlotQueue, type Waiter } from '../../../src/pool/slot-queue.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** A pool of `slots` free slots; waiters that take one record their name. */
function harness(maxQueue: number, timeoutMs: number) {
  const clock = new FakeClock();
  const q = new SlotQueue(clock, { maxQueue, timeoutMs });
  let free = 0;
  const served: string[] = [];
  const timedOut: string[] = [];
  const waiter = (name: string, canUse = () => true): Waiter => ({
    retry: () => {
      if (free === 0 || !canUse()) return false;
      free--;
      served.push(name);
      return true;
    },
    onTimeout: () => timedOut.push(name),
  });
  const freeSlots = (n: number): void => {
    free += n;
    q.dispatch(() => free > 0);
  };
  return { clock, q, waiter, freeSlots, served, timedOut };
}

test('slot queue: waiters are served in arrival order as slots free', () => {
  const h = harness(10, 1000);
  for (const n of ['a', 'b', 'c']) assert.ok(h.q.enqueue(h.waiter(n)));
  assert.equal(h.q.length, 3);
  h.freeSlots(1);
  assert.deepEqual(h.served, ['a']);
  h.freeSlots(2);
  assert.deepEqual(h.served, ['a', 'b', 'c']);
  assert.equal(h.q.length, 0);
  assert.equal(h.clock.pending, 0, 'no timer left behind');
});

test('slot queue: bounded length; a full queue refuses at once', () => {
  const h = harness(2, 1000);
  assert.ok(h.q.enqueue(h.waiter('a')));
  assert.ok(h.q.enqueue(h.waiter('b')));
  assert.equal(h.q.enqueue(h.waiter('c')), undefined);
  h.freeSlots(1);
  assert.ok(h.q.enqueue(h.waiter('d')), 'room again once one left');
  const none = harness(0, 1000);
  assert.equal(none.q.enqueue(none.waiter('x')), undefined, 'maxQueue 0 disables waiting');
});

test('slot queue: a waiter times out after timeoutMs, and only then', () => {
  const h = harness(10, 500);
  h.q.enqueue(h.waiter('a'));
  h.clock.advance(200);
  h.q.enqueue(h.waiter('b'));
  h.clock.advance(299);
  assert.deepEqual(h.timedOut, []);
  h.clock.advance(1);
  assert.deepEqual(h.timedOut, ['a']);
  assert.equal(h.q.length, 1);
  h.freeSlots(1);
  assert.deepEqual(h.served, ['b']);
  h.clock.advance(10_000);
  assert.deepEqual(h.timedOut, ['a'], 'a served waiter never times out');
});

test('slot queue: a cancelled waiter (client gone) leaves, is neither served nor timed out', () => {
  const h = harness(10, 500);
  h.q.enqueue(h.waiter('a'));
  const b = h.q.enqueue(h.waiter('b'))!;
  h.q.enqueue(h.waiter('c'));
  b.cancel();
  b.cancel();
  assert.equal(h.q.length, 2);
  h.freeSlots(5);
  assert.deepEqual(h.served, ['a', 'c']);
  h.clock.advance(1000);
  assert.deepEqual(h.timedOut, []);
});

test('slot queue: a waiter that cannot use the free slot keeps its place; later ones are served', () => {
  const h = harness(10, 500);
  let aMayUse = false;
  h.q.enqueue(h.waiter('a', () => aMayUse));
  h.q.enqueue(h.waiter('b'));
  h.freeSlots(1);
  assert.deepEqual(h.served, ['b']);
  aMayUse = true;
  h.freeSlots(1);
  assert.deepEqual(h.served, ['b', 'a']);
});

test('slot queue: no room, no retries (dispatch stops at once)', () => {
  const h = harness(10, 500);
  let retries = 0;
  for (let i = 0; i < 5; i++)
    h.q.enqueue({
      retry: () => {
        retries++;
        return false;
      },
      onTimeout: () => undefined,
    });
  h.q.dispatch(() => false);
  assert.equal(retries, 0);
});
