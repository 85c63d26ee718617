import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { LineRelay } from '../../../src/cluster/line-relay.js';

test('lines from several sources arrive whole, whatever the chunking; a last unterminated line is ended', async () => {
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk.toString());
      cb();
    },
  });
  const relay = new LineRelay(out);
  const a = new PassThrough();
  const b = new PassThrough();
  relay.add(a);
  relay.add(b);
  a.write('{"w":1,"n":1}\n{"w":1,');
  b.write('{"w":2,"n":1}\n{"w":2');
  a.write('"n":2}\n');
  b.write(',"n":2}\n{"w":2,"n":3}');
  a.end();
  b.end();
  await new Promise((r) => setTimeout(r, 20));
  for (const w of writes) assert.ok(w.endsWith('\n'), `a write ends a line: ${JSON.stringify(w)}`);
  const lines = writes.join('').split('\n').filter(Boolean);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    [
      { w: 1, n: 1 },
      { w: 1, n: 2 },
      { w: 2, n: 1 },
      { w: 2, n: 2 },
      { w: 2, n: 3 },
    ],
  );
});

test('a full output pauses every source until it drains', async () => {
  let release: (() => void) | undefined;
  const out = new Writable({
    highWaterMark: 4,
    write(_chunk, _enc, cb) {
      release = cb;
    },
  });
  const relay = new LineRelay(out);
  const a = new PassThrough();
  const b = new PassThrough();
  relay.add(a);
  relay.add(b);
  a.write('0123456789\n');
  await new Promise((r) => setImmediate(r));
  assert.equal(a.isPaused(), true);
  assert.equal(b.isPaused(), true);
  release?.();
  await new Promise((r) => setImmediate(r));
  assert.equal(a.isPaused(), false);
  assert.equal(b.isPaused(), false);
});
