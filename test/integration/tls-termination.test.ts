import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { startSampleServers, type SampleServers } from '../../src/servers/sample-servers.js';
import { Backends, startApp, testPool, type RunningApp } from '../helpers/app.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { eventually, nameServer, tcpServer } from '../helpers/net.js';
import { hasProgram, requireProgram } from '../helpers/programs.js';
import { runProgram, sClient, subjectOf } from '../helpers/tls.js';

// TLS termination: the balancer does the handshake with its own certificates (picked by SNI) and
// the backends see plain TCP.

let pki: TestPki;
let lb: RunningApp;
let http: SampleServers;
const backends = new Backends();
const received: Buffer[] = [];

before(async () => {
  if (!hasProgram('openssl')) return; // each test reports it (and fails under CI=true)
  pki = await testPki();
  const [main, api, wild] = await Promise.all([
    pki.issue('main', ['main.test']),
    pki.issue('api', ['api.example.com']),
    pki.issue('wild', ['*.example.com', 'example.com']),
  ]);
  http = await startSampleServers({ count: 1, basePort: 0, host: '127.0.0.1', echo: false });
  // Records what the backend receives: it must be the plain bytes the client encrypted.
  const recorder = backends.add(
    tcpServer((s) => {
      s.on('data', (d: Buffer) => {
        received.push(d);
        if (d.includes('\n')) s.end('recorded\n');
      });
    }),
  );
  lb = await startApp({
    listeners: {
      https: {
        bind: '127.0.0.1:0',
        pool: 'recorder',
        tls: { ...main, certificates: [api, wild], alpn: ['http/1.1'] },
      },
      web: { bind: '127.0.0.1:0', pool: 'http', tls: { certificates: [wild] } },
      routed: {
        bind: '127.0.0.1:0',
        pool: 'fallback',
        tls: { certificates: [wild] },
        routes: [{ sni: 'api.example.com', pool: 'api' }],
      },
      strict: {
        bind: '127.0.0.1:0',
        pool: 'greeter',
        tls: { ...main, minVersion: 'TLSv1.3', handshakeTimeout: '1s' },
        noSni: 'close',
      },
    },
    pools: {
      recorder: testPool(await recorder),
      http: testPool(`127.0.0.1:${http.ports[0]}`),
      api: testPool(await backends.add(nameServer('api pool'))),
      fallback: testPool(await backends.add(nameServer('fallback pool'))),
      greeter: testPool(await backends.add(nameServer('strict pool'))),
    },
    log: { level: 'silent' },
  });
});

after(async () => {
  await lb?.stop();
  await http?.stop();
  await backends.close();
  await pki?.cleanup();
});

test('openssl -servername: the certificate is picked by name (exact, wildcard, default); the backend gets plain bytes', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const cases: [string[], string][] = [
    [['-servername', 'api.example.com'], 'CN = api.example.com'],
    [['-servername', 'www.example.com'], 'CN = *.example.com'],
    [['-servername', 'unknown.test'], 'CN = main.test'],
    [['-noservername'], 'CN = main.test'],
  ];
  for (const [args, subject] of cases) {
    received.length = 0;
    const r = await sClient(lb.port('https'), [...args, '-CAfile', pki.caCert], 'plain text over TLS\n');
    assert.equal(subjectOf(r.stdout), subject, args.join(' '));
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
    assert.match(r.stdout, /^recorded$/m, 'the reply came back through TLS');
    assert.equal(Buffer.concat(received).toString(), 'plain text over TLS\n');
  }
});

test('ALPN: the listener agrees on a protocol from its list', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const r = await sClient(lb.port('https'), ['-servername', 'main.test', '-alpn', 'h2,http/1.1'], '\n');
  assert.match(r.stdout, /ALPN protocol: http\/1\.1/);
  const none = await sClient(lb.port('https'), ['-servername', 'main.test', '-alpn', 'h2'], '\n');
  assert.match(none.stdout, /No ALPN negotiated/);
});

test('curl --cacert --resolve over TLS reaches a plain HTTP backend', async (t) => {
  if (!requireProgram(t, 'openssl') || !requireProgram(t, 'curl')) return;
  const port = lb.port('web');
  const r = await runProgram('curl', [
    '-sS',
    '--max-time',
    '5',
    '--cacert',
    pki.caCert,
    '--resolve',
    `shop.example.com:${port}:127.0.0.1`,
    `https://shop.example.com:${port}/`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'Hello from server 1');
});

test('with routes, a terminating listener routes on the handshake server name', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const api = await sClient(lb.port('routed'), ['-servername', 'api.example.com']);
  assert.match(api.stdout, /^api pool/m);
  const other = await sClient(lb.port('routed'), ['-servername', 'www.example.com']);
  assert.match(other.stdout, /^fallback pool/m);
  const ends = () => lb.rec.ends.filter((e) => e.listener === 'routed');
  await eventually(() => ends().length === 2, 5000, 'two session ends');
  assert.deepEqual(
    ends()
      .map((e) => [e.sni, e.pool])
      .sort(),
    [
      ['api.example.com', 'api'],
      ['www.example.com', 'fallback'],
    ],
  );
});

test('handshake failures close with tls_error and are reported; the listener keeps serving', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const before = lb.rec.rejections.length;
  const old = await sClient(lb.port('strict'), ['-servername', 'main.test', '-tls1_2']);
  assert.equal(subjectOf(old.stdout), undefined, 'TLS 1.2 refused by minVersion TLSv1.3');
  const silent = await new Promise<number>((resolve) => {
    const started = Date.now();
    const s = tcpConnect({ port: lb.port('strict'), host: '127.0.0.1' });
    s.on('error', () => undefined);
    s.on('close', () => resolve(Date.now() - started));
  });
  assert.ok(silent >= 950, `closed at the 1s handshake timeout (${silent}ms)`);
  const plain = await new Promise<string>((resolve) => {
    let got = '';
    const s = tcpConnect({ port: lb.port('strict'), host: '127.0.0.1' }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
  assert.doesNotMatch(plain, /HTTP\/1\.0/, 'nothing reached the backend');
  const noName = await sClient(lb.port('strict'), ['-noservername']);
  assert.doesNotMatch(noName.stdout, /strict pool/);
  const strict = () => lb.rec.rejections.slice(before).filter((r) => r.listener === 'strict');
  await eventually(() => strict().length === 4, 5000, 'four rejections');
  assert.deepEqual(
    strict().map((r) => r.reason),
    ['tls_error', 'tls_error', 'tls_error', 'sni_unmatched'],
  );
  assert.match(strict()[0]!.detail ?? '', /handshake failed: ERR_SSL_UNSUPPORTED_PROTOCOL/);
  assert.match(strict()[1]!.detail ?? '', /no TLS handshake within 1000ms/);
  assert.match(strict()[2]!.detail ?? '', /ERR_SSL_HTTP_REQUEST/);
  const ok = await sClient(lb.port('strict'), ['-servername', 'main.test']);
  assert.match(ok.stdout, /^strict pool/m, 'a good client is still served');
});
