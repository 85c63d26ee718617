import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateConfig } from '../../../src/config/validate.js';
import { certificateNames, loadServerCertificates } from '../../../src/tls/server-certificates.js';
import { upstreamTlsWarnings } from '../../../src/tls/upstream-dialer.js';
import { testPki } from '../../helpers/certs.js';
import { requireProgram } from '../../helpers/programs.js';

test('certificate names: DNS subjectAltNames (lower case), not IP addresses; selection by name', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const pki = await testPki();
  try {
    const a = await pki.issue('a', ['A.test', '*.Wild.test', '127.0.0.1']);
    const b = await pki.issue('b', ['b.test']);
    assert.deepEqual(certificateNames(readFileSync(a.cert)), ['a.test', '*.wild.test']);
    const certs = loadServerCertificates({ certificates: [b, a], minVersion: 'TLSv1.2', where: 'test' });
    assert.deepEqual(certs.names, [['b.test'], ['a.test', '*.wild.test']]);
    assert.equal(certs.select('x.wild.test'), certs.select('a.test'));
    assert.notEqual(certs.select('a.test'), certs.default, 'a.test is served by the second certificate');
    assert.equal(certs.select('nothing.test'), certs.default);
    assert.equal(certs.select('b.test'), certs.default);
  } finally {
    await pki.cleanup();
  }
});

test('upstream TLS warnings name each pool that does not verify its targets', () => {
  const v = validateConfig({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'a' } },
    pools: {
      a: { targets: ['127.0.0.1:1'], tls: { verify: false } },
      b: { targets: ['127.0.0.1:2'], tls: { enabled: false, verify: false } },
      c: { targets: ['127.0.0.1:3'], tls: {} },
      d: { targets: ['127.0.0.1:4'] },
    },
  });
  assert.ok(v.ok);
  const w = upstreamTlsWarnings(v.config.pools);
  assert.equal(w.length, 1);
  assert.match(w[0]!, /^pool a: upstream TLS certificate verification is off/);
});
