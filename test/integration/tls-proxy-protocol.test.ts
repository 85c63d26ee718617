import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Backends, startApp, testPool, type RunningApp } from '../helpers/app.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { echoServer, eventually, exchange, freePort, tcpServer } from '../helpers/net.js';
import { hasProgram, requireProgram } from '../helpers/programs.js';
import { tlsNameServer } from '../helpers/tls.js';

// PROXY protocol and TLS together: a header in front of the ClientHello on a listener (termination
// and passthrough), and a header sent in clear before the handshake to a TLS pool.

let pki: TestPki;
let lb: RunningApp;
const backends = new Backends();
let firstBytes: Promise<Buffer>;
const HEADER = 'PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r\n';

before(async () => {
  if (!hasProgram('openssl')) return; // each test reports it (and fails under CI=true)
  pki = await testPki();
  const [front, api, back] = await Promise.all([
    pki.issue('front', ['front.test']),
    pki.issue('api', ['api.example.com']),
    pki.issue('back', ['back.test']),
  ]);
  let gotFirst: (b: Buffer) => void;
  firstBytes = new Promise((resolve) => (gotFirst = resolve));
  const recorder = tcpServer((s) => s.once('data', (d: Buffer) => (gotFirst(d), s.destroy())));
  const echo = await backends.add(echoServer());
  const backPort = await freePort();
  const trusted = { trusted: ['127.0.0.1/32'] };
  lb = await startApp({
    listeners: {
      terminate: { bind: '127.0.0.1:0', pool: 'echo', proxyProtocol: trusted, tls: front },
      passthrough: {
        bind: '127.0.0.1:0',
        pool: 'echo',
        proxyProtocol: trusted,
        routes: [{ sni: 'api.example.com', pool: 'api' }],
      },
      chainFront: { bind: '127.0.0.1:0', pool: 'chain' },
      chainBack: { bind: `127.0.0.1:${backPort}`, pool: 'echo', proxyProtocol: trusted, tls: back },
      record: { bind: '127.0.0.1:0', pool: 'recorder' },
    },
    pools: {
      echo: testPool(echo),
      api: testPool(await backends.add(tlsNameServer('api backend', api))),
      chain: testPool(`127.0.0.1:${backPort}`, {
        proxyProtocol: 'v2',
        tls: { ca: pki.caCert, servername: 'back.test' },
      }),
      recorder: testPool(await backends.add(recorder), { proxyProtocol: 'v1', tls: { verify: false } }),
    },
    log: { level: 'silent' },
  });
});

after(async () => {
  await lb?.stop();
  await backends.close();
  await pki?.cleanup();
});

/** Sends a PROXY header, then does a TLS handshake on the same connection; returns the TLS socket. */
async function proxiedTls(port: number, servername: string) {
  const raw = tcpConnect({ port, host: '127.0.0.1' });
  raw.write(HEADER); // queued while connecting: header and ClientHello usually leave in one segment
  const s = tlsConnect({ socket: raw, servername, ca: readFileSync(pki.caCert) });
  await once(s, 'secureConnect');
  return s;
}

test('termination behind a PROXY header: the header is read first, the client it names is the client', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const s = await proxiedTls(lb.port('terminate'), 'front.test');
  assert.equal(s.getPeerCertificate().subject?.CN, 'front.test');
  s.write('through TLS');
  const [d] = (await once(s, 'data')) as [Buffer];
  assert.equal(d.toString(), 'through TLS');
  s.end();
  await eventually(() => lb.rec.ends.some((e) => e.listener === 'terminate'));
  const end = lb.rec.ends.find((e) => e.listener === 'terminate')!;
  assert.equal(end.client, '203.0.113.7');
});

test('passthrough behind a PROXY header: the ClientHello after it is routed by name, the header is not forwarded', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const s = await proxiedTls(lb.port('passthrough'), 'api.example.com');
  assert.equal(s.getPeerCertificate().subject?.CN, 'api.example.com', 'the TLS backend handshook with the client');
  const [d] = (await once(s, 'data')) as [Buffer];
  assert.equal(d.toString(), 'api backend\n');
  s.destroy();
});

test('a TLS pool sends its PROXY header in clear before the ClientHello', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const c = tcpConnect({ port: lb.port('record'), host: '127.0.0.1' });
  c.on('error', () => undefined);
  const bytes = await firstBytes;
  c.destroy();
  const text = bytes.toString('latin1');
  assert.match(text, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\n/);
  assert.equal(bytes[text.indexOf('\r\n') + 2], 0x16, 'a TLS handshake record follows the header');
});

test('PROXY v2 + upstream TLS into a listener that accepts both: bytes flow end to end', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  assert.equal((await exchange(lb.port('chainFront'), 'hop hop')).toString(), 'hop hop');
  assert.deepEqual(
    lb.rec.rejections.filter((r) => r.listener === 'chainBack'),
    [],
  );
  const back = await eventually(() => lb.rec.ends.find((e) => e.listener === 'chainBack'));
  assert.equal(back.client, '127.0.0.1');
});
