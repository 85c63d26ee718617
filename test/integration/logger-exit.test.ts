import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('../fixtures/programs/log-then-exit.ts', import.meta.url));

test('exit is not held by a stdout nobody reads: the final flush gives up after a bound', async () => {
  // stdout is a pipe this test never reads, so it fills up (EAGAIN) and stays full
  const child = spawn(process.execPath, ['--import', 'tsx', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const started = Date.now();
  const code = await new Promise<number | string>((resolve) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('still running after 60 s');
    }, 60_000);
    child.once('exit', (c) => {
      clearTimeout(killer);
      resolve(c ?? -1);
    });
  });
  child.stdout.destroy();
  assert.equal(code, 0, `exit code (${stderr.trim()})`);
  assert.match(stderr, /flushed/);
  assert.ok(Date.now() - started >= 2000, 'it did wait for the stuck stdout first');
});
