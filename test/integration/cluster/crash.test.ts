import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { startCluster } from '../../helpers/cluster.js';
import { echoServer, eventually, exchange } from '../../helpers/net.js';

/** Sends `size` random bytes through an echo connection; resolves with both SHA-256 digests. */
async function pump(sock: Socket, size: number): Promise<{ sent: string; received: string }> {
  const sent = createHash('sha256');
  const received = createHash('sha256');
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    sock.on('data', (c: Buffer) => {
      received.update(c);
      got += c.length;
      if (got >= size) resolve();
    });
    sock.once('close', () => reject(new Error(`connection closed after ${got} of ${size} bytes`)));
  });
  for (let off = 0; off < size; off += 65_536) {
    const chunk = randomBytes(Math.min(65_536, size - off));
    sent.update(chunk);
    if (!sock.write(chunk)) await once(sock, 'drain');
  }
  await done;
  return { sent: sent.digest('hex'), received: received.digest('hex') };
}

test('kill -9 of a worker: it is restarted, a connection on the other worker flows intact, new connections succeed', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const lb = await startCluster(['0', '--host', '127.0.0.1', '-b', `127.0.0.1:${echo.port}`, '--health-interval', '0']);
  t.after(() => lb.stop('SIGKILL'));
  const sock = connect(lb.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await once(sock, 'connect');
  assert.equal((await pump(sock, 1)).sent.length, 64, 'the connection is established end to end');
  sock.removeAllListeners('data');
  sock.removeAllListeners('close');
  const before = await eventually(
    async () => {
      const s = await lb.status();
      return s.workers.some((w) => w.activeConnections === 1) ? s : undefined;
    },
    20_000,
    'the worker carrying the connection',
  );
  const carrier = before.workers.find((w) => w.activeConnections === 1)!;
  const victim = before.workers.find((w) => w !== carrier)!;
  process.kill(victim.pid!, 'SIGKILL');

  for (let i = 0; i < 10; i++) assert.deepEqual(await exchange(lb.port, `ping ${i}`), Buffer.from(`ping ${i}`));
  const { sent, received } = await pump(sock, 4 << 20);
  assert.equal(received, sent, 'SHA-256 of 4 MiB through the surviving worker');

  const after = await eventually(
    async () => {
      const s = await lb.status();
      const w = s.workers.find((x) => x.id === victim.id)!;
      return w.state === 'running' && w.pid !== victim.pid ? s : undefined;
    },
    60_000,
    'the killed worker restarted',
  );
  assert.deepEqual(
    after.workers.map((w) => [w.id, w.restarts]),
    before.workers.map((w) => [w.id, w.id === victim.id ? 1 : 0]),
  );
  assert.equal(after.workers.find((w) => w.id === carrier.id)!.pid, carrier.pid, 'the other worker was untouched');
  const crash = lb.logs().find((l) => String(l.msg).startsWith(`worker ${victim.id} (pid ${victim.pid}) exited`));
  assert.ok(crash, 'the crash is logged');
  assert.equal(crash.signal, 'SIGKILL');
  // the restarted worker serves too
  const restarted = after.workers.find((w) => w.id === victim.id)!.pid;
  await eventually(
    async () => {
      const replies = await Promise.all(Array.from({ length: 10 }, () => exchange(lb.port, 'x')));
      for (const r of replies) assert.equal(r.toString(), 'x');
      return lb.accessLines().some((l) => l.pid === restarted);
    },
    60_000,
    'a connection on the restarted worker',
  );
});
