import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCli } from '../helpers/cli.js';
import { eventually, freePort } from '../helpers/net.js';

const run = promisify(execFile);

test('quick start: --with-servers serves the three sample servers in turn through curl', async () => {
  const port = await freePort();
  const lb = await startCli([String(port), '--with-servers', '--log-format', 'json']);
  try {
    assert.match(lb.stdout(), /^Server is listening on port \d+\n/);
    assert.match(
      lb.stdout(),
      /Forwarding to the sample servers 127\.0\.0\.1:5001, 127\.0\.0\.1:5002, 127\.0\.0\.1:5003/,
    );
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { stdout } = await run('curl', ['-s', '--max-time', '5', `http://127.0.0.1:${port}/`]);
      answers.push(stdout.trim());
    }
    assert.deepEqual(
      answers,
      [1, 2, 3, 1, 2, 3].map((n) => `Hello from server ${n}`),
    );
    // The first checks' lines follow the banner, however early they answered (src/log/held-output.ts).
    await eventually(() => (lb.stdout().match(/ UP after 1 successful check/g) ?? []).length === 3, 10_000, 'UP x3');
    assert.match(lb.stdout(), /^Server is listening on port \d+\n/);
  } finally {
    assert.equal(await lb.stop(), 0);
  }
});

test('quick start upgraded: SIGUSR2 to npm start (--with-servers) keeps the sample servers; the next generation still rotates through them', async () => {
  const port = await freePort();
  const lb = await startCli([String(port), '--with-servers', '--log-format', 'json']);
  try {
    const hello = async (): Promise<string> =>
      (await run('curl', ['-s', '--max-time', '5', `http://127.0.0.1:${port}/`])).stdout.trim();
    assert.match(await hello(), /^Hello from server \d$/);
    lb.proc.kill('SIGUSR2');
    // Generation 1 (which started the sample servers before they moved to the supervisor) is gone.
    await eventually(
      () => /generation 1 \(pid \d+\) drained and exited/.test(lb.stdout()),
      60_000,
      'generation 1 gone',
    );
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await hello());
    assert.deepEqual(
      [...answers].sort(),
      [1, 1, 2, 2, 3, 3].map((n) => `Hello from server ${n}`),
    );
    assert.doesNotMatch(lb.stdout(), /sample servers not started/);
  } finally {
    assert.equal(await lb.stop(), 0);
  }
  // They stopped with the process that held them.
  await assert.rejects(run('curl', ['-s', '--max-time', '2', 'http://127.0.0.1:5001/']));
});
