import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { TargetSpec } from '../../src/core/types.js';
import type { HealthCheckConfig } from '../../src/config/schema.js';
import { healthCheckSchema } from '../../src/config/schema.js';
import { createProbe } from '../../src/health/probes/registry.js';
import { freePort, tcpServer } from '../helpers/net.js';

const spec = (port: number): TargetSpec => ({
  id: `127.0.0.1:${port}`,
  host: '127.0.0.1',
  port,
  weight: 1,
  backup: false,
});
const check = (hc: Record<string, unknown>): HealthCheckConfig => healthCheckSchema.parse(hc);
const within = (ms: number): AbortSignal => AbortSignal.timeout(ms);

test('http check: 500 then 200 (path, Host header, expected status), through the registry', async () => {
  const seen: { url: string | undefined; host: string | undefined }[] = [];
  const statuses = [500, 200, 204];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url, host: req.headers.host });
    res.statusCode = statuses.shift() ?? 404;
    res.end('body is not read');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  try {
    const probe = createProbe(check({ type: 'http', path: '/healthz', expectStatus: '2xx', host: 'db.internal' }));
    const first = await probe(spec(port), within(2000));
    assert.deepEqual(first, { ok: false, detail: 'HTTP 500 (expected 2xx)' });
    const second = await probe(spec(port), within(2000));
    assert.equal(second.ok, true);
    assert.equal(second.detail, 'HTTP 200');
    const exact = await createProbe(check({ type: 'http', expectStatus: 200 }))(spec(port), within(2000));
    assert.deepEqual(exact, { ok: false, detail: 'HTTP 204 (expected 200)' });
    assert.deepEqual(seen, [
      { url: '/healthz', host: 'db.internal' },
      { url: '/healthz', host: 'db.internal' },
      { url: '/', host: `127.0.0.1:${port}` },
    ]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('http check on another port than the target, and the failures it reports', async () => {
  const status = createServer((_req, res) => res.end('ok'));
  status.listen(0, '127.0.0.1');
  await once(status, 'listening');
  const statusPort = (status.address() as { port: number }).port;
  const closed = await freePort();
  const silent = await tcpServer(() => undefined);
  const notHttp = await tcpServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
  try {
    const viaPort = await createProbe(check({ type: 'http', port: statusPort }))(spec(closed), within(2000));
    assert.equal(viaPort.ok, true, viaPort.detail);
    const refused = await createProbe(check({ type: 'http' }))(spec(closed), within(2000));
    assert.deepEqual(refused, { ok: false, detail: 'connect ECONNREFUSED' });
    const timeout = await createProbe(check({ type: 'http' }))(spec(silent.port), within(300));
    assert.deepEqual(timeout, { ok: false, detail: 'timeout waiting for an HTTP status line; got nothing' });
    const ssh = await createProbe(check({ type: 'http' }))(spec(notHttp.port), within(2000));
    assert.deepEqual(ssh, { ok: false, detail: 'not an HTTP response: got "SSH-2.0-OpenSSH_9.2"' });
  } finally {
    status.close();
    await Promise.all([silent.close(), notHttp.close()]);
  }
});

// A redis-like server: answers PING with +PONG, in two pieces, and anything else with an error.
const fakeRedis = (): ReturnType<typeof tcpServer> =>
  tcpServer((s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      if (!buf.includes('\r\n')) return;
      if (buf.startsWith('PING\r\n')) {
        s.write('+PO');
        setTimeout(() => s.write('NG\r\n'), 20);
      } else s.end('-ERR unknown command\r\n');
      buf = '';
    });
  });

test('send-expect check: PING/+PONG against a redis-like server, substring and regex', async () => {
  const redis = await fakeRedis();
  try {
    const plain = createProbe(check({ type: 'send-expect', send: 'PING\r\n', expect: '+PONG' }));
    const ok = await plain(spec(redis.port), within(2000));
    assert.equal(ok.ok, true);
    assert.equal(ok.detail, 'reply matched');
    const escaped = createProbe(check({ type: 'send-expect', send: 'PING\\r\\n', expect: '+PONG\\r\\n' }));
    assert.equal((await escaped(spec(redis.port), within(2000))).ok, true, 'written escapes work too');
    const regex = createProbe(
      check({ type: 'send-expect', send: 'PING\r\n', expect: '^\\+(PONG|OK)\\r\\n$', expectRegex: true }),
    );
    assert.equal((await regex(spec(redis.port), within(2000))).ok, true);
    const wrong = createProbe(check({ type: 'send-expect', send: 'INFO\r\n', expect: '+PONG' }));
    assert.deepEqual(await wrong(spec(redis.port), within(2000)), {
      ok: false,
      detail: 'closed before a reply containing "+PONG"; got "-ERR unknown command\\r\\n"',
    });
    const slow = createProbe(check({ type: 'send-expect', send: 'PING\r\n', expect: 'role:master' }));
    assert.deepEqual(await slow(spec(redis.port), within(300)), {
      ok: false,
      detail: 'timeout waiting for a reply containing "role:master"; got "+PONG\\r\\n"',
    });
  } finally {
    await redis.close();
  }
});

test('send-expect check without send: the server speaks first (a banner)', async () => {
  const smtp = await tcpServer((s) => s.write('220 mail.example ESMTP ready\r\n'));
  try {
    const probe = createProbe(check({ type: 'send-expect', expect: '^220 ', expectRegex: true }));
    assert.equal((await probe(spec(smtp.port), within(2000))).ok, true);
  } finally {
    await smtp.close();
  }
});
