import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateWriter } from '../../../src/state/state-writer.js';
import { parseSavedState, type SavedState } from '../../../src/state/saved-state.js';
import { writeFileAtomic } from '../../../src/state/atomic-write.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { captureLog } from '../../helpers/capture-log.js';

const state = (n: number): SavedState => ({
  format: 'tcp-loadbalancer-state',
  version: 1,
  savedAt: `t${n}`,
  pools: {},
});

/** A write that completes when the test says so. */
function gatedWrite(): { write: (p: string, d: string) => Promise<void>; written: string[]; release: () => void } {
  const written: string[] = [];
  let pending: (() => void)[] = [];
  return {
    written,
    write: (_p, d) =>
      new Promise<void>((resolve) => {
        pending.push(() => {
          written.push(d);
          resolve();
        });
      }),
    release: () => {
      const p = pending;
      pending = [];
      for (const f of p) f();
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('state writer: a burst of changes is one write, after the delay', async () => {
  const clock = new FakeClock();
  let n = 0;
  const g = gatedWrite();
  const w = new StateWriter({ path: 'x', capture: () => state(++n), clock, log: captureLog().log, write: g.write });
  for (let i = 0; i < 10; i++) w.changed();
  clock.advance(199);
  await tick();
  g.release();
  assert.equal(g.written.length, 0, 'nothing before the delay');
  clock.advance(1);
  await tick();
  g.release();
  await tick();
  assert.equal(g.written.length, 1);
  assert.equal(n, 1, 'the state is captured once, when written');
  assert.equal(clock.pending, 0);
});

test('state writer: changes during a write make exactly one more write', async () => {
  const clock = new FakeClock();
  let n = 0;
  const g = gatedWrite();
  const w = new StateWriter({ path: 'x', capture: () => state(++n), clock, log: captureLog().log, write: g.write });
  w.changed();
  clock.advance(200); // the write starts and waits on the gate
  await tick();
  w.changed();
  w.changed();
  w.changed();
  g.release();
  await tick();
  await tick();
  assert.equal(g.written.length, 1);
  clock.advance(200);
  await tick();
  g.release();
  await tick();
  assert.equal(g.written.length, 2);
  assert.match(g.written[1]!, /"savedAt": "t2"/);
  clock.advance(1000);
  await tick();
  g.release();
  assert.equal(g.written.length, 2, 'no change, no write');
});

test('state writer: flush writes now (shutdown); a failing write is one warning and serving goes on', async () => {
  const clock = new FakeClock();
  const cap = captureLog();
  let fail = true;
  const written: string[] = [];
  const w = new StateWriter({
    path: '/nowhere/state.json',
    capture: () => state(1),
    clock,
    log: cap.log,
    write: (_p, d) => (fail ? Promise.reject(new Error('EROFS')) : Promise.resolve(void written.push(d))),
  });
  w.changed();
  await w.flush();
  await w.flush();
  const warns = cap.lines().filter((l) => l.level === 40);
  assert.equal(warns.length, 1);
  assert.match(String(warns[0]!.msg), /state file \/nowhere\/state.json not written: EROFS/);
  fail = false;
  await w.flush();
  assert.equal(written.length, 1);
  assert.equal(clock.pending, 0, 'flush leaves no timer');
});

test('atomic write: the file is replaced whole and no temporary file is left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lb-state-'));
  try {
    const p = join(dir, 'state.json');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, 'two');
    assert.equal(await readFile(p, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['state.json']);
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'state.json'), 'x'), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('saved state: corrupt, foreign and truncated files are refused with a reason', () => {
  assert.equal(parseSavedState(JSON.stringify(state(1))).ok, true);
  const bad = [
    ['{"format":', /not JSON/],
    ['[]', /not a state file/],
    [JSON.stringify({ ...state(1), version: 2 }), /not a state file: version/],
    [
      JSON.stringify({ ...state(1), pools: { web: { changedAtRuntime: false, targets: [{ id: 'x' }] } } }),
      /not a state file: pools\.web\.targets\.0\.host/,
    ],
  ] as const;
  for (const [text, why] of bad) {
    const r = parseSavedState(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.why, why);
  }
});
