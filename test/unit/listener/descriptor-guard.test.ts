import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DescriptorGuard, EMFILE_RETRY_MS, type PauseReason } from '../../../src/listener/descriptor-guard.js';
import { fdBudget } from '../../../src/listener/fd-budget.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** A listener that records what it is told. */
class Member {
  readonly holds = new Set<PauseReason>();
  readonly events: string[] = [];
  hold(r: PauseReason): void {
    this.holds.add(r);
    this.events.push(`hold ${r}`);
  }
  release(r: PauseReason): void {
    this.holds.delete(r);
    this.events.push(`release ${r}`);
  }
}

const budget = fdBudget({ soft: 256, hard: 256 }); // 96 connections, accepting again at 92

test('every listener stops when the process holds the connections the limit allows, and starts below the slack', () => {
  const clock = new FakeClock();
  const g = new DescriptorGuard(budget, clock);
  const [a, b] = [new Member(), new Member()];
  g.join(a);
  g.join(b);
  for (let i = 0; i < 95; i++) g.opened();
  assert.deepEqual([a.events, b.events], [[], []], 'below the budget');
  g.opened();
  assert.equal(g.open, 96);
  assert.ok(g.full);
  assert.deepEqual([a.events, b.events], [['hold descriptors'], ['hold descriptors']]);
  g.opened(); // accepted before the pause took effect: counted, not told twice
  for (let i = 0; i < 4; i++) g.closed();
  assert.equal(g.open, 93);
  assert.equal(a.events.length, 1, 'not yet: 93 > 92');
  g.closed();
  assert.deepEqual(a.events, ['hold descriptors', 'release descriptors']);
  assert.deepEqual(b.events, ['hold descriptors', 'release descriptors']);
  assert.ok(!g.full);
  const late = new Member();
  for (let i = 0; i < 4; i++) g.opened();
  g.join(late);
  assert.deepEqual(late.events, ['hold descriptors'], 'a listener that joins a full process starts stopped');
});

test('EMFILE from accept stops every listener until the next close, or a second', () => {
  const clock = new FakeClock();
  const g = new DescriptorGuard(budget, clock);
  const a = new Member();
  g.join(a);
  g.opened();
  g.exhausted();
  g.exhausted(); // the same episode
  assert.deepEqual(a.events, ['hold emfile']);
  g.closed();
  assert.deepEqual(a.events, ['hold emfile', 'release emfile'], 'a close frees a descriptor');
  assert.equal(clock.pending, 0);
  g.exhausted();
  clock.advance(EMFILE_RETRY_MS - 1);
  assert.equal(a.events.length, 3);
  clock.advance(1);
  assert.deepEqual(a.events.slice(2), ['hold emfile', 'release emfile'], 'retried after a second');
  assert.equal(g.open, 0, 'never below zero');
  g.closed();
  assert.equal(g.open, 0);
  g.exhausted();
  g.stop();
  assert.equal(clock.pending, 0, 'stop() clears the retry');
});

test('every open and close tells each listener that the room under the budget changed (native accept grants from it)', () => {
  const g = new DescriptorGuard(budget, new FakeClock());
  const rooms: number[][] = [[], []];
  const members = rooms.map((r) =>
    Object.assign(new Member(), { roomChanged: () => r.push(budget.connections - g.open) }),
  );
  for (const m of members) g.join(m);
  g.opened();
  g.opened();
  g.closed();
  assert.deepEqual(rooms, [
    [95, 94, 95],
    [95, 94, 95],
  ]);
  g.leave(members[1]!);
  g.opened();
  assert.deepEqual(
    rooms.map((r) => r.length),
    [4, 3],
    'not a listener that left',
  );
});
