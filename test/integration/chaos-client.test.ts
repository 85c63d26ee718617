import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { KeepAliveClient, requestOnce } from '../../src/chaos/http-client.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok x\n';

/** A server on a free port that does `onRequest` with each request's socket (the n-th, from 1). */
async function server(onRequest: (s: Socket, n: number) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let n = 0;
  const srv: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', () => onRequest(s, ++n));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

test('chaos client: every failure says what the client saw (reset, eof, status, timeout, refused)', async () => {
  const cases: [string, (s: Socket) => void][] = [
    ['reset', (s) => s.resetAndDestroy()],
    ['eof', (s) => s.end()],
    ['status', (s) => s.end('HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n')],
    ['timeout', () => undefined],
  ];
  for (const [kind, act] of cases) {
    const srv = await server(act);
    try {
      const o = await requestOnce(srv.port, 300);
      assert.equal(o.ok, false, kind);
      assert.equal(o.failure, kind);
      assert.ok(o.sentAt > 0 && o.connectedAt === o.sentAt, kind);
    } finally {
      await srv.close();
    }
  }
  const gone = await server(() => undefined);
  await gone.close();
  const refused = await requestOnce(gone.port, 2000);
  assert.equal(refused.failure, 'refused');
  const ok = await server((s) => s.end(OK));
  try {
    assert.deepEqual(await requestOnce(ok.port, 2000).then((o) => [o.ok, o.backend, o.failure]), [
      true,
      'x',
      undefined,
    ]);
  } finally {
    await ok.close();
  }
});

test('chaos client: a keep-alive failure names the backend its connection was bound to', async () => {
  const srv = await server((s, n) => (n === 1 ? s.write(OK) : s.resetAndDestroy()));
  const c = new KeepAliveClient(srv.port, 2000);
  try {
    const first = await c.request();
    assert.equal(first.ok, true);
    assert.equal(first.via, undefined); // a new connection: nothing answered on it yet
    const second = await c.request();
    assert.equal(second.ok, false);
    assert.equal(second.failure, 'reset');
    assert.equal(second.via, 'x');
    assert.equal(second.connectedAt, first.connectedAt);
    assert.ok(second.sentAt > second.connectedAt);
    const third = await c.request(); // reconnects: a new connection again
    assert.equal(third.via, undefined);
    assert.ok(third.connectedAt > second.connectedAt);
  } finally {
    c.close();
    await srv.close();
  }
});

test('chaos client: a keep-alive reply that is not 200 ends its request as a status failure, at once', async () => {
  const srv = await server((s, n) => s.write(n === 1 ? 'HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n' : OK));
  const c = new KeepAliveClient(srv.port, 60_000);
  try {
    // With a 60 s timeout: before the fix the request never settled (its pending reply was cleared first).
    const first = await Promise.race([
      c.request(),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000).unref()),
    ]);
    assert.equal(first?.failure, 'status', 'settled as a status failure');
    const second = await c.request(); // a new connection, served
    assert.equal(second.ok, true);
  } finally {
    c.close();
    await srv.close();
  }
});
