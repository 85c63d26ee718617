import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('../fixtures/programs/log-then-exit.ts', import.meta.url));
const blocked = fileURLToPath(new URL('../fixtures/programs/blocked-exit.mjs', import.meta.url));

/** Runs the program with a stdout pipe nobody reads (it fills up: EAGAIN, and stays full). */
async function runWithStuckStdout(
  arg: string,
  argv = ['--import', 'tsx', program],
  limitMs = 60_000,
): Promise<{ code: number | string; stderr: string; ms: number }> {
  const child = spawn(process.execPath, [...argv, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const started = Date.now();
  const code = await new Promise<number | string>((resolve) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`still running after ${limitMs} ms`);
    }, limitMs);
    child.once('exit', (c) => {
      clearTimeout(killer);
      resolve(c ?? -1);
    });
  });
  child.stdout.destroy();
  return { code, stderr, ms: Date.now() - started };
}

test('exit is not held by a stdout nobody reads: our final flush gives up after a bound', async () => {
  const r = await runWithStuckStdout('ours');
  assert.equal(r.code, 0, `exit code (${r.stderr.trim()})`);
  assert.match(r.stderr, /exiting/);
  assert.ok(r.ms >= 2000, 'it did wait for the stuck stdout first');
});

test("exit is not held by a stdout nobody reads: nor is pino's own flush on 'exit'", async () => {
  const r = await runWithStuckStdout('pino');
  assert.equal(typeof r.code, 'number', `the process ended by itself (${r.stderr.trim().slice(0, 300)})`);
  assert.match(r.stderr, /exiting/);
});

test('exit is not held by a thread blocked in a write: the exit guard ends the process, with its code', async () => {
  const r = await runWithStuckStdout('guarded', [blocked]);
  assert.equal(r.code, 7, `the process ended by itself, with its exit code (${r.stderr.trim().slice(0, 300)})`);
  assert.match(r.stderr, /exiting/);
});

test("every line logged before the exit is out, by our flush or by pino's own on 'exit' (the last turn's lines too)", async () => {
  for (const arg of ['ours', 'pino']) {
    const child = spawn(process.execPath, ['--import', 'tsx', program, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, arg);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, 2000, `${arg}: lines out`);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { i: number }).i),
      Array.from({ length: 2000 }, (_, i) => i),
      `${arg}: in order`,
    );
  }
});
