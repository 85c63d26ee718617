import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeOrder, closeWindowMs, dueBy, isIdle, IDLE_AFTER_MS } from '../../../src/listener/deadline-close.js';

test('the window after a drain deadline: a tenth of the drain, 200 ms to 2 s; none without a deadline or at 0', () => {
  for (const [drainMs, windowMs] of [
    [0, 0],
    [Infinity, 0],
    [300, 200],
    [2000, 200],
    [5000, 500],
    [30_000, 2000],
    [600_000, 2000],
  ] as const)
    assert.equal(closeWindowMs(drainMs), windowMs, `drain ${drainMs} ms`);
});

test('the closes are spread over the window: the first at once, the last before its end, never all in one instant', () => {
  const rows: [total: number, elapsedMs: number, windowMs: number, due: number][] = [
    [10, 0, 1000, 1],
    [10, 99, 1000, 1],
    [10, 100, 1000, 2],
    [10, 550, 1000, 6],
    [10, 999, 1000, 10],
    [10, 1000, 1000, 10],
    [10, 5000, 1000, 10],
    [1, 0, 1000, 1],
    [3, 400, 1000, 2],
    [10, 0, 0, 10], // no window: at once (drainTimeout 0)
    [0, 0, 1000, 0],
  ];
  for (const [total, elapsed, windowMs, due] of rows)
    assert.equal(dueBy(total, elapsed, windowMs), due, `${total} over ${windowMs} ms, at ${elapsed} ms`);
  // Over the window, the count due never jumps by more than its share of a tick.
  for (let t = 0; t < 1000; t += 20) assert.ok(dueBy(1000, t + 20, 1000) - dueBy(1000, t, 1000) <= 20);
});

test('idle first: the longest without a byte first, the most recently active last', () => {
  const now = 10_000;
  const conns = [
    { id: 'active', idleSince: now - 5 },
    { id: 'idle 3 s', idleSince: now - 3000 },
    { id: 'never swept', idleSince: 0 },
    { id: 'idle 1.5 s', idleSince: now - 1500 },
    { id: 'busy', idleSince: now - 200 },
  ];
  assert.deepEqual(
    closeOrder(conns).map((c) => c.id),
    ['never swept', 'idle 3 s', 'idle 1.5 s', 'busy', 'active'],
  );
  assert.deepEqual(
    conns.map((c) => isIdle(c, now)),
    [false, true, true, true, false],
  );
  assert.equal(isIdle({ idleSince: now - IDLE_AFTER_MS }, now), true);
});
