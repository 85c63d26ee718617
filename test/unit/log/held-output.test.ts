import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldOutput } from '../../../src/log/held-output.js';

const sink = (): { lines: string[]; write(line: string): void } => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
};

test('held lines wait for release, then go out in order before every later line', () => {
  const out = sink();
  const held = new HeldOutput(out);
  held.write('health: UP\n');
  held.write('discovery: 2 targets\n');
  assert.deepEqual(out.lines, [], 'nothing before the banner');
  out.write('Server is listening on port 8080\n'); // the banner, written around the logger
  held.release();
  held.write('later\n');
  assert.deepEqual(out.lines, [
    'Server is listening on port 8080\n',
    'health: UP\n',
    'discovery: 2 targets\n',
    'later\n',
  ]);
  held.release(); // idempotent: nothing written twice
  assert.equal(out.lines.length, 4);
  assert.equal(held.holding, false);
});

test('past the limit, what was held goes out and nothing is held any more', () => {
  const out = sink();
  const held = new HeldOutput(out, 10);
  held.write('12345\n');
  assert.deepEqual(out.lines, []);
  held.write('67890\n'); // 12 bytes held > 10
  assert.deepEqual(out.lines, ['12345\n', '67890\n']);
  held.write('x\n');
  assert.deepEqual(out.lines, ['12345\n', '67890\n', 'x\n']);
});

test('not held: every line goes straight through', () => {
  const out = sink();
  const held = new HeldOutput(out, undefined, false);
  held.write('a\n');
  assert.deepEqual(out.lines, ['a\n']);
  assert.equal(held.holding, false);
});
