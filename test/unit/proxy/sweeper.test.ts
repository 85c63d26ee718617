import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sweeper, type Sweepable } from '../../../src/proxy/sweeper.js';

test('one tick checks every member with the same now; an empty set stops the interval', () => {
  let now = 1000;
  const seen: [string, number][] = [];
  const member = (name: string): Sweepable => ({ sweep: (t) => seen.push([name, t]) });
  const members = new Set<Sweepable>([member('a'), member('b')]);
  const sweeper = new Sweeper(
    () => members,
    50,
    () => now,
  );
  sweeper.tick();
  now = 1100;
  sweeper.tick();
  assert.deepEqual(seen, [
    ['a', 1000],
    ['b', 1000],
    ['a', 1100],
    ['b', 1100],
  ]);
  members.clear();
  sweeper.wake(); // starts the (unref'd) interval
  sweeper.tick(); // nothing left: stops it again
  sweeper.wake();
  sweeper.stop();
  assert.equal(seen.length, 4);
});

test('a member may remove itself (or others) while it is swept', () => {
  const members = new Set<Sweepable>();
  let swept = 0;
  const self: Sweepable = {
    sweep: () => {
      swept++;
      members.delete(self);
    },
  };
  members.add(self).add({ sweep: () => swept++ });
  new Sweeper(
    () => members,
    50,
    () => 0,
  ).tick();
  assert.equal(swept, 2);
  assert.equal(members.size, 1);
});
