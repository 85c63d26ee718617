import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBar } from '../../../src/bench/bar.js';
import { median, Results } from '../../../src/bench/results.js';
import { formatCell, formatNumber, renderTable } from '../../../src/bench/table.js';

test('median of odd and even counts; empty is NaN', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('numbers keep three significant digits', () => {
  const cases: [number, string][] = [
    [1_234_567, '1.23M'],
    [14_012, '14.0k'],
    [845.4, '845'],
    [12.44, '12.4'],
    [0.913, '0.91'],
  ];
  for (const [v, s] of cases) assert.equal(formatNumber(v), s, String(v));
  assert.equal(formatCell([1, 3, 2], 2), '2.00 (1.00–3.00)');
  assert.equal(formatCell(undefined, undefined), '–');
});

const sample = (): Results => {
  const r = new Results();
  for (const [sys, v] of [
    ['direct', 20_000],
    ['haproxy', 10_000],
    ['lb', 8_000],
  ] as const)
    r.add('conn', sys, [{ metric: 'connections/s', unit: 'conn/s', better: 'higher', value: v }]);
  r.add('idle', 'lb', [{ metric: 'memory per connection', unit: 'KB', better: 'lower', value: 7 }]);
  return r;
};

test('the table shows medians per system and our ratios to HAProxy and to direct', () => {
  const text = renderTable(
    sample().rows,
    [
      { id: 'direct', label: 'direct' },
      { id: 'haproxy', label: 'HAProxy' },
      { id: 'lb', label: 'ours' },
    ],
    [{ id: 'lb', label: 'ours' }],
  );
  const row = text.split('\n').find((l) => l.includes('connections/s'));
  assert.ok(row, text);
  assert.match(row, /20\.0k \|\s+10\.0k \|\s+8000 \|\s+0\.80x \|\s+0\.40x \|/);
  assert.equal(new Set(text.split('\n').map((l) => l.length)).size, 1, 'columns are aligned');
});

test('the bar is checked against HAProxy in the same run; missing figures are not judged', () => {
  const checks = checkBar(sample(), 'lb');
  const conn = checks.find((c) => c.goal.startsWith('new connection'));
  assert.deepEqual([conn?.met, conn?.measured], [true, '0.80x']);
  const mem = checks.find((c) => c.goal.includes('idle'));
  assert.deepEqual([mem?.met, mem?.measured], [false, '7.00 KB']);
  assert.equal(checks.find((c) => c.goal.startsWith('bulk'))?.met, undefined);
});
