import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Backends, startApp, testPool, type Rejection, type RunningApp } from '../helpers/app.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { echoServer, eventually, exchange, nameServer } from '../helpers/net.js';
import { hasProgram, requireProgram } from '../helpers/programs.js';
import { sClient, subjectOf, tlsNameServer } from '../helpers/tls.js';

// SNI passthrough: the balancer reads the ClientHello, picks the pool by server name, and forwards
// the bytes untouched, so each client sees the certificate of the backend it reached.

let pki: TestPki;
let lb: RunningApp;
const backends = new Backends();

before(async () => {
  if (!hasProgram('openssl')) return; // each test reports it (and fails under CI=true)
  pki = await testPki();
  const [api, web, fallback] = await Promise.all([
    pki.issue('api', ['api.example.com']),
    pki.issue('web', ['*.example.com']),
    pki.issue('fallback', ['fallback.test']),
  ]);
  lb = await startApp({
    listeners: {
      sni: {
        bind: '127.0.0.1:0',
        pool: 'fallback',
        routes: [
          { sni: '*.example.com', pool: 'web' },
          { sni: 'api.example.com', pool: 'api' },
        ],
      },
      mixed: {
        bind: '127.0.0.1:0',
        pool: 'plain',
        routes: [{ sni: 'api.example.com', pool: 'api' }],
      },
      greet: {
        bind: '127.0.0.1:0',
        pool: 'greeter',
        routes: [{ sni: 'api.example.com', pool: 'api' }],
        clientHelloTimeout: '300ms',
      },
      strict: {
        bind: '127.0.0.1:0',
        pool: 'plain',
        routes: [{ sni: 'api.example.com', pool: 'api' }],
        noSni: 'close',
        clientHelloTimeout: '1s',
      },
    },
    pools: {
      api: testPool(await backends.add(tlsNameServer('api backend', api))),
      web: testPool(await backends.add(tlsNameServer('web backend', web))),
      fallback: testPool(await backends.add(tlsNameServer('fallback backend', fallback))),
      plain: testPool(await backends.add(echoServer())),
      greeter: testPool(await backends.add(nameServer('220 greeting'))),
    },
    log: { level: 'silent' },
  });
});

after(async () => {
  await lb?.stop();
  await backends.close();
  await pki?.cleanup();
});

const viaLb = async (t: TestContext, listener: string, args: string[]) => {
  if (!requireProgram(t, 'openssl')) return undefined;
  const r = await sClient(lb.port(listener), [...args, '-CAfile', pki.caCert]);
  return { ...r, subject: subjectOf(r.stdout) };
};

test('openssl -servername: exact route, wildcard route and unmatched name each reach their own TLS backend', async (t) => {
  const cases: [string, string, string][] = [
    ['api.example.com', 'CN = api.example.com', 'api backend'],
    ['www.example.com', 'CN = *.example.com', 'web backend'],
    ['other.test', 'CN = fallback.test', 'fallback backend'],
  ];
  for (const [name, subject, reply] of cases) {
    const r = await viaLb(t, 'sni', ['-servername', name, '-verify_return_error']);
    if (!r) return;
    assert.equal(r.subject, subject, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^${reply}$`, 'm'), name);
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/, name);
  }
  // The access log names the server each connection asked for.
  const ends = () => lb.rec.ends.filter((e) => e.listener === 'sni');
  await eventually(() => ends().length === 3, 5000, 'three session ends');
  assert.deepEqual(
    ends()
      .map((e) => [e.sni, e.pool])
      .sort(),
    [
      ['api.example.com', 'api'],
      ['other.test', 'fallback'],
      ['www.example.com', 'web'],
    ],
  );
});

test('a ClientHello without server name goes to the default pool', async (t) => {
  const r = await viaLb(t, 'sni', ['-noservername']);
  if (!r) return;
  assert.equal(r.subject, 'CN = fallback.test');
  assert.match(r.stdout, /^fallback backend$/m);
});

test('non-TLS bytes go to the default pool untouched (noSni: pool)', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const payload = Buffer.from('GET / HTTP/1.0\r\n\r\n\x00\xff binary tail');
  assert.deepEqual(await exchange(lb.port('mixed'), payload), payload);
});

/** Connects and sends nothing; resolves with what arrives until the balancer ends the connection. */
const silentClient = (port: number): Promise<{ data: string; ms: number }> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const s = connect({ port, host: '127.0.0.1' });
    s.on('error', reject);
    s.on('data', (d) => (data += d.toString()));
    s.on('close', () => resolve({ data, ms: Date.now() - started }));
  });

test('a client that sends nothing is passed on at the ClientHello timeout (server speaks first)', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const r = await silentClient(lb.port('greet'));
  assert.equal(r.data, '220 greeting');
  assert.ok(r.ms >= 250, `greeting after the 300ms ClientHello timeout, not before (${r.ms}ms)`);
});

test('noSni: close closes non-TLS, SNI-less and silent clients with sni_unmatched', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const before = lb.rec.rejections.length;
  assert.equal((await exchange(lb.port('strict'), 'PING\r\n')).length, 0);
  const noSni = await sClient(lb.port('strict'), ['-noservername']);
  assert.equal(subjectOf(noSni.stdout), undefined);
  assert.equal((await silentClient(lb.port('strict'))).data, ''); // closed at the timeout
  const mine = (): Rejection[] => lb.rec.rejections.slice(before).filter((x) => x.listener === 'strict');
  await eventually(() => mine().length === 3, 5000, 'three rejections');
  assert.deepEqual(
    mine().map((r) => r.reason),
    ['sni_unmatched', 'sni_unmatched', 'sni_unmatched'],
  );
  assert.match(
    mine()
      .map((r) => r.detail)
      .join('|'),
    /not a TLS handshake.*without server name.*no ClientHello within/,
  );
  const ok = await sClient(lb.port('strict'), ['-servername', 'api.example.com']);
  assert.match(ok.stdout, /^api backend$/m, 'a TLS client with a routed name still gets through');
});
