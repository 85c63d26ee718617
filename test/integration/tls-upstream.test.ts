import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backends, startApp, testPool, type RunningApp } from '../helpers/app.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { eventually, exchange, tcpServer } from '../helpers/net.js';
import { hasProgram, requireProgram } from '../helpers/programs.js';
import { tlsServer } from '../helpers/tls.js';

// Upstream TLS: plain clients, TLS backends. The pool verifies the backend against a test CA.

let pki: TestPki;
let other: TestPki; // a CA the backend's certificate does not come from
let lb: RunningApp;
const backends = new Backends();
const seen: { servername: string | false | null; cipher: string }[] = [];

before(async () => {
  if (!hasProgram('openssl')) return; // each test reports it (and fails under CI=true)
  pki = await testPki();
  other = await testPki();
  const [backendCert, selfSigned] = await Promise.all([
    pki.issue('backend', ['backend.test', '127.0.0.1']),
    pki.selfSigned('self', 'self.test'),
  ]);
  // A TLS echo server that notes the server name it was asked for.
  const tlsEcho = (certs: typeof backendCert) =>
    tlsServer(certs, (s) => {
      seen.push({ servername: s.servername, cipher: s.getCipher().version });
      s.pipe(s);
    });
  const backend = await backends.add(tlsEcho(backendCert));
  const selfSignedBackend = await backends.add(tlsEcho(selfSigned));
  const mute = await backends.add(tcpServer(() => undefined)); // accepts, never answers the handshake
  const pool = (target: string, tls: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    testPool(target, { retries: 0, tls, ...extra });
  const listener = (pool: string) => ({ bind: '127.0.0.1:0', pool });
  lb = await startApp({
    listeners: {
      byName: listener('byName'),
      byIp: listener('byIp'),
      wrongCa: listener('wrongCa'),
      wrongName: listener('wrongName'),
      insecure: listener('insecure'),
      mute: listener('mute'),
    },
    pools: {
      byName: pool(backend, { ca: pki.caCert, servername: 'backend.test' }),
      byIp: pool(backend, { ca: pki.caCert }),
      wrongCa: pool(backend, { ca: other.caCert }),
      wrongName: pool(backend, { ca: pki.caCert, servername: 'other.test' }),
      insecure: pool(selfSignedBackend, { verify: false }),
      mute: pool(mute, { ca: pki.caCert }, { connectTimeout: '400ms' }),
    },
    log: { level: 'warn' },
  });
});

after(async () => {
  await lb?.stop();
  await backends.close();
  await pki?.cleanup();
  await other?.cleanup();
});

test('a plain listener reaches a TLS backend verified against the pool CA, by server name or by IP SAN', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  seen.length = 0;
  assert.equal((await exchange(lb.port('byName'), 'hello over TLS')).toString(), 'hello over TLS');
  assert.equal((await exchange(lb.port('byIp'), 'by address')).toString(), 'by address');
  assert.deepEqual(
    seen.map((s) => s.servername),
    ['backend.test', false], // no SNI for an IP address (RFC 6066)
  );
  assert.match(seen[0]!.cipher, /^TLSv1\.[23]$/);
});

test('verification failures (unknown CA, wrong name) are failed connects, and nothing reaches the backend', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  seen.length = 0;
  const errors = lb.rec.connectErrors.length;
  for (const name of ['wrongCa', 'wrongName']) {
    assert.equal((await exchange(lb.port(name), 'secret')).length, 0, name);
  }
  await eventually(() => lb.rec.connectErrors.length - errors === 2);
  const got = lb.rec.connectErrors.slice(errors);
  assert.deepEqual(
    got.map((e) => [e.pool, e.reason]),
    [
      ['wrongCa', 'connect_failed'],
      ['wrongName', 'connect_failed'],
    ],
  );
  assert.match(got[0]!.detail, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
  assert.match(got[1]!.detail, /ERR_TLS_CERT_ALTNAME_INVALID/);
  assert.equal(seen.length, 0, 'the backend never got a completed handshake');
});

test('verify: false connects to a self-signed backend, and the log warns about it', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  assert.equal((await exchange(lb.port('insecure'), 'trust me')).toString(), 'trust me');
  const warnings = lb.logs.filter((l) => l.level === 40).map((l) => String(l.msg));
  assert.equal(warnings.filter((m) => /pool insecure: upstream TLS certificate verification is off/.test(m)).length, 1);
  assert.equal(warnings.filter((m) => /verification is off/.test(m)).length, 1, 'only the pool with verify: false');
});

test('the connect timeout covers the handshake: a backend that never answers it times out', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const errors = lb.rec.connectErrors.length;
  const ends = lb.rec.ends.length;
  const reply = await exchange(lb.port('mute'), 'anyone?');
  assert.equal(reply.length, 0);
  await eventually(() => lb.rec.ends.length > ends);
  assert.deepEqual(
    lb.rec.connectErrors.slice(errors).map((e) => e.reason),
    ['connect_timeout'],
  );
  assert.equal(lb.rec.ends.at(-1)!.reason, 'connect_timeout');
});
