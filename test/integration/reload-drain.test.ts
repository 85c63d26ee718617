import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { config, startApp } from '../helpers/app.js';
import { connectOutcome, echoServer, freePort } from '../helpers/net.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const open = async (port: number): Promise<Socket> => {
  const s = connect({ port, host: '127.0.0.1' });
  await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject));
  return s;
};

/** Writes a line and waits for its echo. */
const roundTrip = (s: Socket, line: string): Promise<string> =>
  new Promise((resolve, reject) => {
    if (s.destroyed || s.readableEnded) {
      reject(new Error(`closed before ${line} was sent`));
      return;
    }
    let got = '';
    const onData = (c: Buffer): void => {
      got += c.toString();
      if (got.length >= line.length) {
        s.off('data', onData);
        resolve(got);
      }
    };
    s.on('data', onData)
      .once('error', reject)
      .once('close', () => reject(new Error(`closed before the echo of ${line}`)));
    s.write(line);
  });

test('a reload never cuts a connection: listeners removed or moved drain past drainTimeout', async () => {
  const echo = await echoServer();
  const pools = { echo: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } };
  const lb = await startApp({
    drainTimeout: '50ms',
    listeners: { gone: { bind: '127.0.0.1:0', pool: 'echo' }, moved: { bind: '127.0.0.1:0', pool: 'echo' } },
    pools,
  });
  const [gonePort, movedPort] = [lb.port('gone'), lb.port('moved')];
  const a = await open(gonePort);
  const b = await open(movedPort);
  try {
    assert.equal(await roundTrip(a, 'a1'), 'a1');
    assert.equal(await roundTrip(b, 'b1'), 'b1');
    const next = `127.0.0.1:${await freePort()}`;
    await lb.app.apply(config({ drainTimeout: '50ms', listeners: { moved: { bind: next, pool: 'echo' } }, pools }));
    assert.notEqual(lb.port('moved'), movedPort, 'the moved listener is on its new address');
    assert.equal(await connectOutcome(gonePort), 'ECONNREFUSED', 'the removed listener no longer accepts');
    assert.equal(
      await connectOutcome(movedPort),
      'ECONNREFUSED',
      'the old address of the moved listener no longer accepts',
    );
    await sleep(400); // eight times drainTimeout
    assert.equal(await roundTrip(a, 'a2'), 'a2', 'the connection on the removed listener still works');
    assert.equal(await roundTrip(b, 'b2'), 'b2', 'the connection on the old address still works');
    assert.deepEqual(
      lb.rec.ends.map((e) => e.reason),
      [],
      'no session ended',
    );
  } finally {
    a.destroy();
    b.destroy();
    await lb.stop();
    await echo.close();
  }
});
