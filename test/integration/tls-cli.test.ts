import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli } from '../helpers/cli.js';
import { testPki } from '../helpers/certs.js';
import { echoServer, eventually, exchange, freePort } from '../helpers/net.js';
import { requireProgram } from '../helpers/programs.js';
import { roundTrip, tlsOpen, tlsServer } from '../helpers/tls.js';

// The built CLI with a config file: a terminating listener whose certificate is rotated by SIGHUP,
// and a pool with `verify: false`, which the startup log warns about.

test('CLI --config: TLS termination, certificate rotation on SIGHUP, a warning for verify: false', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const pki = await testPki();
  const [one, two, self] = await Promise.all([
    pki.issue('one', ['one.test']),
    pki.issue('two', ['two.test']),
    pki.selfSigned('self', 'self.test'),
  ]);
  const echo = await echoServer();
  const tlsEcho = await tlsServer(self, (s) => s.pipe(s));
  const cert = join(pki.dir, 'live.crt');
  const key = join(pki.dir, 'live.key');
  await Promise.all([copyFile(one.cert, cert), copyFile(one.key, key)]);
  const [securePort, plainPort] = await Promise.all([freePort(), freePort()]);
  const file = join(pki.dir, 'lb.yaml');
  await writeFile(
    file,
    [
      'listeners:',
      `  secure: { bind: 127.0.0.1:${securePort}, pool: plain, tls: { cert: "${cert}", key: "${key}" } }`,
      `  reencrypt: { bind: 127.0.0.1:${plainPort}, pool: selfsigned }`,
      'pools:',
      `  plain: { targets: ["127.0.0.1:${echo.port}"], healthCheck: { type: none } }`,
      `  selfsigned: { targets: ["127.0.0.1:${tlsEcho.port}"], healthCheck: { type: none }, tls: { verify: false } }`,
    ].join('\n'),
  );
  const ca = await readFile(pki.caCert);
  const lb = await startCli(['--config', file, '--log-format', 'json']);
  try {
    const warnings = () => lb.logs().filter((l) => l.level === 40 && /verification is off/.test(String(l.msg)));
    // Log lines are written asynchronously: the banner can come first.
    await eventually(() => warnings().length > 0, 30_000, 'the warning');
    const warned = warnings();
    assert.equal(warned.length, 1);
    assert.match(String(warned[0]!.msg), /^pool selfsigned: /);
    assert.equal((await exchange(plainPort, 'to a self-signed backend')).toString(), 'to a self-signed backend');

    const before = await tlsOpen(securePort, 'one.test', ca);
    assert.equal(before.getPeerCertificate().subject?.CN, 'one.test');
    assert.equal(await roundTrip(before, 'a'), 'a');

    await Promise.all([copyFile(two.cert, cert), copyFile(two.key, key)]);
    lb.proc.kill('SIGHUP');
    await eventually(() => /config version 2 applied/.test(lb.stdout()), 30_000, 'the reload');
    const after = await tlsOpen(securePort, 'two.test', ca);
    assert.equal(after.getPeerCertificate().subject?.CN, 'two.test', 'the rotated certificate is served');
    assert.equal(await roundTrip(before, 'b'), 'b', 'the connection opened before the reload is still up');
    after.destroy();

    await writeFile(key, 'not a key\n');
    lb.proc.kill('SIGHUP');
    await eventually(() => /config reload \(signal\) failed/.test(lb.stdout()), 30_000, 'the failed reload');
    assert.match(lb.stdout(), /listeners\.secure\.tls: .*live\.crt \/ .*live\.key/);
    const still = await tlsOpen(securePort, 'two.test', ca);
    assert.equal(still.getPeerCertificate().subject?.CN, 'two.test', 'a bad key file changes nothing');
    still.destroy();
    before.destroy();
  } finally {
    assert.equal(await lb.stop(), 0);
    await Promise.all([echo.close(), tlsEcho.close()]);
    await pki.cleanup();
  }
});
