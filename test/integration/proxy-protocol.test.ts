import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startApp } from '../helpers/app.js';
import { startCli } from '../helpers/cli.js';
import { eventually, exchange, tcpServer } from '../helpers/net.js';
import { proxyBackend, sendFrom } from '../helpers/proxy-backend.js';
import { decodeProxyHeader } from '../../src/protocol/proxy-protocol/decode.js';

const noChecks = { type: 'none' };

const setup = async (listener: Record<string, unknown>, pool: Record<string, unknown>) => {
  const backend = await proxyBackend();
  const lb = await startApp({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p', ...listener } },
    pools: { p: { targets: [`127.0.0.1:${backend.port}`], healthCheck: noChecks, ...pool } },
  });
  return { backend, lb, close: () => Promise.all([lb.stop(), backend.close()]) };
};

const tcp4 = (version: 1 | 2, source: [string, number], destination: [string, number]) => ({
  version,
  command: 'PROXY',
  transport: 'STREAM',
  addresses: {
    family: 'INET',
    source: { address: source[0], port: source[1] },
    destination: { address: destination[0], port: destination[1] },
  },
  tlvs: [],
});

const replyOf = (reply: string) =>
  JSON.parse(reply) as { result: { status: string; header?: unknown }; payload: string };

test('accept + send: the backend sees the client the trusted proxy advertised (relayed, not the proxy)', async () => {
  const { backend, lb, close } = await setup(
    { proxyProtocol: { accept: true, trusted: ['127.0.0.1/32'] } },
    { proxyProtocol: 'v2' },
  );
  try {
    const { reply } = await sendFrom(
      '127.0.0.1',
      lb.port('l'),
      'PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\nhello',
    );
    const r = replyOf(reply);
    assert.equal(r.payload, 'hello');
    assert.deepEqual(r.result.header, tcp4(2, ['203.0.113.7', 51000], ['198.51.100.1', 443]));
    await eventually(() => lb.rec.ends.length === 1);
    assert.equal(lb.rec.ends[0]!.client, '203.0.113.7');
    assert.equal(lb.rec.ends[0]!.clientPort, 51000);
    assert.equal(backend.received.length, 1);
  } finally {
    await close();
  }
});

test('untrusted sources are refused before any byte; malformed headers are refused; nothing reaches the pool', async () => {
  const { backend, lb, close } = await setup({ proxyProtocol: { accept: true, trusted: ['127.0.0.1/32'] } }, {});
  try {
    const line = 'PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\nhello';
    assert.equal((await sendFrom('127.0.0.2', lb.port('l'), line)).reply, '');
    assert.equal((await sendFrom('127.0.0.1', lb.port('l'), 'GET / HTTP/1.0\r\n\r\n')).reply, '');
    assert.equal((await sendFrom('127.0.0.1', lb.port('l'), 'PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n')).reply, '');
    await eventually(() => lb.rec.rejections.length === 3);
    assert.deepEqual(
      lb.rec.rejections.map((r) => r.reason),
      ['proxy_protocol_untrusted', 'proxy_protocol_invalid', 'proxy_protocol_invalid'],
    );
    assert.match(lb.rec.rejections[1]!.detail ?? '', /not a PROXY protocol header/);
    assert.match(lb.rec.rejections[2]!.detail ?? '', /not an IPv4 address/);
    assert.equal(backend.received.length, 0);
  } finally {
    await close();
  }
});

test('untrusted: serve: untrusted sources are served as themselves, trusted ones still need a header', async () => {
  const { lb, close } = await setup(
    { proxyProtocol: { accept: true, trusted: ['127.0.0.1/32'], untrusted: 'serve' } },
    { proxyProtocol: 'v1' },
  );
  try {
    const { reply, localPort } = await sendFrom('127.0.0.2', lb.port('l'), 'plain');
    const r = replyOf(reply);
    assert.equal(r.payload, 'plain');
    assert.deepEqual(r.result.header, tcp4(1, ['127.0.0.2', localPort], ['127.0.0.1', lb.port('l')]));
    assert.equal((await sendFrom('127.0.0.1', lb.port('l'), 'plain')).reply, '');
    await eventually(() => lb.rec.rejections.some((x) => x.reason === 'proxy_protocol_invalid'));
  } finally {
    await close();
  }
});

test('a header sent one byte a second is cut at the timeout while other connections flow', async () => {
  const { lb, close } = await setup(
    { proxyProtocol: { accept: true, trusted: ['127.0.0.1/32'], timeout: '2s' } },
    { proxyProtocol: 'v1' },
  );
  try {
    const started = Date.now();
    const slow = connect({ host: '127.0.0.1', port: lb.port('l') });
    slow.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => slow.once('close', () => resolve(Date.now() - started)));
    const line = Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\n');
    let i = 0;
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write(line.subarray(i, ++i));
    }, 1000);
    drip.unref();
    slow.write(line.subarray(0, ++i));
    // meanwhile, complete connections are served
    const fast: string[] = [];
    for (let n = 0; n < 3; n++) {
      const { reply } = await sendFrom(
        '127.0.0.1',
        lb.port('l'),
        `PROXY TCP4 203.0.113.${n} 198.51.100.1 5000 443\r\nx`,
      );
      fast.push(replyOf(reply).payload);
    }
    assert.deepEqual(fast, ['x', 'x', 'x']);
    assert.ok(!slow.destroyed, 'the slow client is still waiting while the others were served');
    const elapsed = await closed;
    clearInterval(drip);
    assert.ok(elapsed >= 1900 && elapsed < 4000, `closed after ${elapsed}ms`);
    await eventually(() => lb.rec.rejections.length === 1);
    assert.equal(lb.rec.rejections[0]!.reason, 'proxy_protocol_timeout');
  } finally {
    await close();
  }
});

test('health checks send v2 LOCAL (or a real v1 line) to a pool that speaks PROXY', async () => {
  for (const version of ['v2', 'v1'] as const) {
    const firstBytes: Buffer[] = [];
    const target = await tcpServer((s) => s.once('data', (c: Buffer) => firstBytes.push(c)));
    const lb = await startApp({
      listeners: {},
      pools: {
        p: {
          targets: [`127.0.0.1:${target.port}`],
          proxyProtocol: version,
          healthCheck: { interval: '100ms', timeout: '100ms' },
        },
      },
    });
    try {
      await eventually(() => firstBytes.length > 0, 5000, `a ${version} check`);
      const r = decodeProxyHeader(firstBytes[0]!);
      assert.equal(r.status, 'ok');
      if (r.status !== 'ok') continue;
      assert.equal(r.header.command, version === 'v2' ? 'LOCAL' : 'PROXY');
      if (version === 'v1') assert.equal(r.header.addresses.family, 'INET');
    } finally {
      await lb.stop();
      await target.close();
    }
  }
});

test('CLI: --send-proxy v1 writes the header before the client bytes', async () => {
  const backend = await proxyBackend();
  try {
    // A generous start timeout: the machine may be busy; the backend is closed whatever happens.
    const args = ['0', '--backend', `127.0.0.1:${backend.port}`, '--send-proxy', 'v1', '--log-format', 'json'];
    const lb = await startCli(args, { timeoutMs: 30_000 });
    try {
      const r = replyOf((await exchange(lb.port, 'over cli')).toString());
      assert.equal(r.payload, 'over cli');
      assert.deepEqual((r.result.header as { addresses: { destination: unknown } }).addresses.destination, {
        address: '127.0.0.1',
        port: lb.port,
      });
    } finally {
      await lb.stop();
    }
  } finally {
    await backend.close();
  }
});
