import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBatch } from '../../../src/log/line-batch.js';

/** A scheduler the test runs by hand: the end of a turn is when it says so. */
function turns(): { schedule: (fn: () => void) => void; end(): void; pending: number } {
  const queue: (() => void)[] = [];
  return {
    schedule: (fn) => void queue.push(fn),
    end: () => queue.splice(0).forEach((fn) => fn()),
    get pending() {
      return queue.length;
    },
  };
}

const sink = (): { writes: string[]; write(s: string): void } => {
  const writes: string[] = [];
  return { writes, write: (s: string) => void writes.push(s) };
};

test("a turn's lines leave as one write, in order, at the end of the turn; one schedule per turn", () => {
  const out = sink();
  const t = turns();
  const batch = new LineBatch(out, t.schedule);
  batch.write('a\n');
  batch.write('b\n');
  batch.write('c\n');
  assert.deepEqual(out.writes, [], 'nothing before the turn ends');
  assert.equal(t.pending, 1, 'scheduled once for the three lines');
  assert.equal(batch.waiting, 6);
  t.end();
  assert.deepEqual(out.writes, ['a\nb\nc\n']);
  assert.equal(batch.waiting, 0);
  batch.write('d\n');
  assert.equal(t.pending, 1, 'the next turn schedules again');
  t.end();
  assert.deepEqual(out.writes, ['a\nb\nc\n', 'd\n']);
});

test('flush() writes what waits at once; the end of the turn then writes nothing more', () => {
  const out = sink();
  const t = turns();
  const batch = new LineBatch(out, t.schedule);
  batch.flush();
  assert.deepEqual(out.writes, [], 'nothing to write: no empty write');
  batch.write('last words\n');
  batch.flush();
  assert.deepEqual(out.writes, ['last words\n']);
  t.end();
  assert.deepEqual(out.writes, ['last words\n'], 'not written twice');
});

test('past the limit the lines go out at once: a turn never holds more than the limit', () => {
  const out = sink();
  const t = turns();
  const batch = new LineBatch(out, t.schedule, 10);
  batch.write('12345\n');
  assert.deepEqual(out.writes, []);
  batch.write('67890\n'); // 12 characters >= 10
  assert.deepEqual(out.writes, ['12345\n67890\n']);
  assert.equal(batch.waiting, 0);
  batch.write('x\n');
  t.end();
  assert.deepEqual(out.writes, ['12345\n67890\n', 'x\n']);
});
