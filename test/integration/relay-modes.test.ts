import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { ConfigInput } from '../../src/config/schema.js';
import { needNative } from '../helpers/native-relay.js';
import { startApp, type AppHarness } from '../helpers/app-harness.js';
import { echoServer, eventually, tcpServer, type TestServer } from '../helpers/net.js';

// Every relay behaviour, with the native addon, with the JavaScript relay, and with native accept
// (the relay thread accepts and connects too: `nativeAccept: true`): the access log must not tell
// them apart.

type Mode = 'native' | 'js' | 'accept';

const cfg = (mode: Mode, port: number, pool: Record<string, unknown> = {}): ConfigInput => ({
  relay: mode === 'accept' ? 'native' : mode,
  nativeAccept: mode === 'accept',
  listeners: { main: { bind: '127.0.0.1:0', pool: 'p' } },
  pools: { p: { targets: [`127.0.0.1:${port}`], healthCheck: { type: 'none' }, ...pool } },
});

async function withLb(
  mode: Mode,
  backend: TestServer,
  fn: (lb: AppHarness) => Promise<void>,
  pool?: Record<string, unknown>,
): Promise<void> {
  const lb = await startApp(cfg(mode, backend.port, pool));
  try {
    assert.equal(lb.app.relayStatus().mode, mode === 'js' ? 'js' : 'native');
    assert.equal(lb.app.listeners().get('main')!.acceptsNatively, mode === 'accept');
    await fn(lb);
  } finally {
    await lb.stop();
    await backend.close();
  }
}

const open = async (lb: AppHarness): Promise<Socket> => {
  const s = connect({ port: lb.port(), host: '127.0.0.1', allowHalfOpen: true });
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
};

const endOf = (lb: AppHarness): Promise<Record<string, unknown>> => eventually(() => lb.access()[0]);

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const mode of ['native', 'js', 'accept'] as const) {
  test(`${mode}: 8 MB echoed intact, byte counts and client_close in the access log`, async (t) => {
    if (!needNative(t, mode)) return;
    await withLb(mode, await echoServer(), async (lb) => {
      const s = await open(lb);
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.write('x');
      await eventually(() => chunks.length > 0 || undefined);
      assert.equal(lb.app.relayStatus().nativeConnections, mode === 'js' ? 0 : 1);
      const data = randomBytes(8 << 20);
      s.end(data);
      await once(s, 'end');
      const got = Buffer.concat(chunks);
      assert.equal(got.length, data.length + 1);
      assert.equal(sha(got.subarray(1)), sha(data));
      const end = await endOf(lb);
      assert.equal(end.reason, 'client_close');
      assert.equal(end.bytesFromClient, data.length + 1);
      assert.equal(end.bytesToClient, data.length + 1);
      assert.equal(lb.app.relayStatus().nativeConnections, 0);
    });
  });

  test(`${mode}: backend FIN first, the client can still send; backend_close`, async (t) => {
    if (!needNative(t, mode)) return;
    let heard = '';
    const backend = await tcpServer((s) => {
      s.end('bye');
      s.on('data', (c: Buffer) => (heard += c.toString()));
      s.on('end', () => s.destroy());
    });
    await withLb(mode, backend, async (lb) => {
      const s = await open(lb);
      let got = '';
      s.on('data', (c: Buffer) => (got += c.toString()));
      await once(s, 'end');
      assert.equal(got, 'bye');
      s.end('still here');
      await eventually(() => heard === 'still here' || undefined);
      const end = await endOf(lb);
      assert.equal(end.reason, 'backend_close');
      assert.equal(end.bytesFromClient, 10);
      assert.equal(end.bytesToClient, 3);
    });
  });

  test(`${mode}: a client reset reaches the backend as a reset; client_reset`, async (t) => {
    if (!needNative(t, mode)) return;
    const backendErr: string[] = [];
    const backend = await tcpServer((s) => {
      s.on('data', () => s.write('ack'));
      s.on('error', (e: NodeJS.ErrnoException) => backendErr.push(e.code ?? ''));
    });
    await withLb(mode, backend, async (lb) => {
      const s = await open(lb);
      s.write('hi');
      await once(s, 'data');
      s.resetAndDestroy();
      await eventually(() => backendErr[0]);
      assert.equal(backendErr[0], 'ECONNRESET');
      assert.equal((await endOf(lb)).reason, 'client_reset');
    });
  });

  test(`${mode}: a backend reset reaches the client as a reset; backend_reset`, async (t) => {
    if (!needNative(t, mode)) return;
    const backend = await tcpServer((s) => s.on('data', () => s.resetAndDestroy()));
    await withLb(mode, backend, async (lb) => {
      const s = await open(lb);
      const err = once(s, 'error') as Promise<[NodeJS.ErrnoException]>;
      s.write('boom');
      const [e] = await err;
      assert.equal(e.code, 'ECONNRESET');
      assert.equal((await endOf(lb)).reason, 'backend_reset');
    });
  });

  test(`${mode}: idle timeout sees relayed bytes as activity and ends a silent connection`, async (t) => {
    if (!needNative(t, mode)) return;
    await withLb(
      mode,
      await echoServer(),
      async (lb) => {
        const busy = await open(lb);
        const idle = await open(lb);
        const ticker = setInterval(() => busy.write('.'), 100);
        try {
          await once(idle, 'end');
          assert.equal(busy.destroyed, false);
          assert.equal(busy.readableEnded, false);
          const end = await endOf(lb);
          assert.equal(end.reason, 'idle_timeout');
        } finally {
          clearInterval(ticker);
          busy.destroy();
        }
      },
      { idleTimeout: '400ms' },
    );
  });

  test(`${mode}: the PROXY header and early client bytes go first, in order`, async (t) => {
    if (!needNative(t, mode)) return;
    let heard = '';
    const backend = await tcpServer((s) => {
      s.on('data', (c: Buffer) => (heard += c.toString()));
      s.on('end', () => s.end());
    });
    await withLb(
      mode,
      backend,
      async (lb) => {
        const s = connect({ port: lb.port(), host: '127.0.0.1', allowHalfOpen: true });
        s.end('early bytes'); // written before the backend connection exists
        s.resume();
        await once(s, 'close');
        assert.match(heard, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\nearly bytes$/);
        assert.equal((await endOf(lb)).reason, 'client_close');
      },
      { proxyProtocol: 'v1' },
    );
  });

  test(`${mode}: shutdown ends an open connection with reason shutdown`, async (t) => {
    if (!needNative(t, mode)) return;
    const backend = await echoServer();
    const lb = await startApp(cfg(mode, backend.port));
    try {
      const s = await open(lb);
      s.write('x');
      await once(s, 'data');
      const closed = once(s, 'end');
      await lb.app.shutdown(0);
      await closed;
      assert.equal((await endOf(lb)).reason, 'shutdown');
      assert.equal(lb.app.relayStatus().nativeConnections, 0);
    } finally {
      await lb.stop();
      await backend.close();
    }
  });
}
