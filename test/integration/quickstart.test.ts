import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

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
  } finally {
    assert.equal(await lb.stop(), 0);
  }
});
