import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Backends, startApp, testPool, type RunningApp } from '../helpers/app.js';
import { testPki, type TestPki } from '../helpers/certs.js';
import { clientHelloMessage, inRecords } from '../helpers/client-hello.js';
import { eventually, nameServer } from '../helpers/net.js';
import { hasProgram, requireProgram } from '../helpers/programs.js';

// A TLS-terminating listener ends a handshake as soon as the client closes its side or sends what
// is not TLS; the handshake timeout (10 s here) is only for clients that stay silent.

const HANDSHAKE_TIMEOUT_MS = 10_000;
let pki: TestPki;
let lb: RunningApp;
const backends = new Backends();

before(async () => {
  if (!hasProgram('openssl')) return; // each test reports it (and fails under CI=true)
  pki = await testPki();
  const cert = await pki.issue('main', ['main.test']);
  lb = await startApp({
    listeners: {
      tls: { bind: '127.0.0.1:0', pool: 'web', tls: { ...cert, handshakeTimeout: `${HANDSHAKE_TIMEOUT_MS}ms` } },
    },
    pools: { web: testPool(await backends.add(nameServer('web'))) },
    log: { level: 'silent' },
  });
});

after(async () => {
  await lb?.stop();
  await backends.close();
  await pki?.cleanup();
});

/** Connects, sends `bytes`, half-closes when `fin`; resolves with how long until the server closed it. */
function closedAfter(bytes: Buffer, fin: boolean): Promise<number> {
  return new Promise((resolve) => {
    let started = 0;
    const s = connect({ port: lb.port('tls'), host: '127.0.0.1', allowHalfOpen: true }, () => {
      started = Date.now();
      if (bytes.length > 0) s.write(bytes);
      if (fin) s.end();
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    // The server's FIN or reset, whichever comes first, is its close.
    const closed = (): void => {
      resolve(Date.now() - started);
      s.destroy();
    };
    s.once('end', closed);
    s.once('close', closed);
  });
}

const hello = inRecords(clientHelloMessage({ sni: 'main.test' }));

for (const [what, bytes, fin, reason, detail] of [
  ['nothing, then a half-close', Buffer.alloc(0), true, 'client_close', /closed its side/],
  ['a truncated ClientHello, then a half-close', hello.subarray(0, 40), true, 'client_close', /closed its side/],
  ['bytes that are not TLS, then a half-close', Buffer.from('\x00\x01junk'), true, 'tls_error', /./],
  ['bytes that are not TLS (no half-close)', Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), false, 'tls_error', /./],
] as const)
  test(`TLS termination: a client that sends ${what} is closed at once, not at the handshake timeout`, async (t) => {
    if (!requireProgram(t, 'openssl')) return;
    const before = lb.rec.rejections.length;
    const ms = await closedAfter(bytes, fin);
    t.diagnostic(`closed after ${ms} ms (handshake timeout ${HANDSHAKE_TIMEOUT_MS} ms)`);
    assert.ok(ms < HANDSHAKE_TIMEOUT_MS / 4, `closed after ${ms} ms`);
    const mine = await eventually(() => lb.rec.rejections.slice(before)[0], 5000, 'the close reason');
    assert.equal(mine.reason, reason, mine.detail);
    assert.match(mine.detail ?? '', detail);
  });
