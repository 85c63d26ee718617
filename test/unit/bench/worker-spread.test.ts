import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '../../../src/bench/options.js';
import { spreadFigures } from '../../../src/bench/worker-spread.js';

test("the busiest worker's share of the connections of a run", () => {
  const table: [number[], number[], number | undefined][] = [
    [[0, 0], [50, 50], 50],
    [[10, 20], [85, 45], 75], // deltas 75 and 25
    [[0, 0, 0, 0], [10, 10, 10, 70], 70],
    [[100, 5], [30, 15], 75], // the first worker restarted: its 30 are new (30 of 40)
    [[0], [40], undefined], // one worker: nothing to compare
    [[5, 5], [5, 5], undefined], // no connections
  ];
  for (const [before, after, want] of table) {
    const f = spreadFigures(before, after);
    assert.equal(f[0]?.value, want, `${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    if (f[0]) assert.match(f[0].metric, new RegExp(`even: ${Math.round(100 / after.length)}%`));
  }
});

test('bench options: several workers are not pinned to one CPU unless asked; --accept lists modes', () => {
  const w = parseOptions(['--workers', '2', '--accept', 'none,reuseport'], {}, 2);
  assert.deepEqual([w.proxyCpu, w.loadCpu, w.accept], [undefined, 1, ['none', 'reuseport']]);
  assert.equal(parseOptions(['--workers', '2', '--proxy-cpu', '0'], {}, 2).proxyCpu, 0);
  assert.equal(parseOptions(['--workers', '1'], {}, 2).proxyCpu, 0);
  assert.deepEqual(parseOptions([], {}, 2).accept, []);
  assert.throws(() => parseOptions(['--accept', 'fifo'], {}, 2), /unknown "fifo"/);
});
