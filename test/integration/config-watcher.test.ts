import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/core/clock.js';
import { ConfigWatcher } from '../../src/control/config-watcher.js';
import { captureLog } from '../helpers/capture-log.js';
import { configDir } from '../helpers/config-file.js';
import { eventually } from '../helpers/net.js';

const DEBOUNCE = 50;

const watcherOn = (file: string, onChange: () => void): ConfigWatcher =>
  new ConfigWatcher({ file, clock: systemClock(), log: captureLog().log, debounceMs: DEBOUNCE, onChange });

async function watched(t: { after: (fn: () => Promise<void>) => void }): Promise<{
  files: ReturnType<typeof configDir>;
  file: string;
  calls: () => number;
}> {
  const files = configDir();
  const file = files.write('lb.yaml', 'version: 1\n');
  let calls = 0;
  const w = watcherOn(file, () => calls++);
  await w.start();
  t.after(async () => {
    await w.stop();
    files.remove();
  });
  return { files, file, calls: () => calls };
}

test('--watch: a write in place, then a rename over the file (as editors do), then a write again', async (t) => {
  const { files, file, calls } = await watched(t);
  writeFileSync(file, 'version: 2\n');
  await eventually(() => calls() === 1, 10_000, 'the in-place write');
  files.replace('lb.yaml', 'version: 3\n');
  await eventually(() => calls() === 2, 10_000, 'the rename over the file');
  writeFileSync(file, 'version: 4\n'); // the watch follows the new file
  await eventually(() => calls() === 3, 10_000, 'a write to the renamed-in file');
});

test('--watch: a burst of writes is one change; same content, or a neighbour file, is none', async (t) => {
  const { files, file, calls } = await watched(t);
  for (let i = 0; i < 5; i++) writeFileSync(file, `version: ${10 + i}\n`);
  await eventually(() => calls() === 1, 10_000, 'the burst');
  writeFileSync(file, 'version: 14\n'); // what it already holds
  writeFileSync(join(files.dir, 'other.yaml'), 'not: watched\n');
  files.write('.lb.yaml.swp', 'editor swap file');
  await sleep(DEBOUNCE * 8);
  assert.equal(calls(), 1, 'nothing changed in lb.yaml');
});

test('--watch: no call after stop()', async () => {
  const files = configDir();
  const file = files.write('lb.yaml', 'a: 1\n');
  let calls = 0;
  const w = watcherOn(file, () => calls++);
  try {
    await w.start();
    writeFileSync(file, 'a: 2\n');
    await w.stop();
    await sleep(DEBOUNCE * 8);
    assert.equal(calls, 0);
  } finally {
    files.remove();
  }
});
