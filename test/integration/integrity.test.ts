import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { startCli } from '../helpers/cli.js';
import { echoServer } from '../helpers/net.js';
import { rssOf } from '../helpers/proc.js';
import { trafficPid } from '../helpers/supervised.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('integrity: 40 MB of random bytes each way through an echo backend with a slow reader; memory stays bounded', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--log-level', 'warn']);
  const pid = trafficPid(lb.proc.pid!);
  try {
    const payload = randomBytes(40 * MB);
    const s = connect({ port: lb.port, host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((r) => s.once('connect', r));
    const baseline = rssOf(pid);
    const chunks: Buffer[] = [];
    let got = 0;
    // The slow reader: paused mode, no 'data' listener, so nothing is read unless asked for.
    const take = (max: number): void => {
      let n = 0;
      for (let c: Buffer | null; n < max && (c = s.read() as Buffer | null) !== null; n += c.length) {
        chunks.push(c);
        got += c.length;
      }
    };
    const ended = new Promise((r) => s.once('end', r));
    s.end(payload);
    const held: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(400);
      held.push(rssOf(pid) - baseline);
      // then reads a short burst (about 1 MB: a bounded amount, so that the garbage of the bytes
      // moved does not blur the figure), and stalls again
      take(MB);
    }
    assert.ok(got < payload.length / 2, `the reader was slow (${got} bytes read)`);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
    });
    await ended;
    const received = Buffer.concat(chunks);
    assert.equal(received.length, payload.length);
    assert.equal(sha(received), sha(payload));
    // Without backpressure the balancer would soak up the 40 MB it was offered while the
    // reader stalled; with it, only socket buffers' worth.
    assert.ok(
      Math.max(...held) < 24 * MB,
      `balancer RSS grew by ${held.map((h) => (h / MB).toFixed(1)).join(', ')} MB while the reader stalled`,
    );
  } finally {
    await lb.stop();
    await echo.close();
  }
});
