import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { isLbError } from '../../src/core/errors.js';
import { config, startApp } from '../helpers/app.js';
import { testPki } from '../helpers/certs.js';
import { echoServer } from '../helpers/net.js';
import { requireProgram } from '../helpers/programs.js';
import { roundTrip, tlsOpen } from '../helpers/tls.js';

const subject = (s: TLSSocket): string | undefined => s.getPeerCertificate().subject?.CN as string | undefined;

test('certificates reload with the config; open TLS connections stay up; a bad file changes nothing', async (t) => {
  if (!requireProgram(t, 'openssl')) return;
  const pki = await testPki();
  const echo = await echoServer();
  const [one, two] = await Promise.all([pki.issue('one', ['one.test']), pki.issue('two', ['two.test'])]);
  const cert = join(pki.dir, 'live.crt');
  const key = join(pki.dir, 'live.key');
  await Promise.all([copyFile(one.cert, cert), copyFile(one.key, key)]);
  const input = (tls: Record<string, unknown>) => ({
    listeners: { secure: { bind: '127.0.0.1:0', pool: 'echo', tls } },
    pools: { echo: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
    log: { level: 'silent' },
  });
  const lb = await startApp(input({ cert, key }));
  const ca = await readFile(pki.caCert);
  const port = lb.port('secure');
  try {
    const before = await tlsOpen(port, 'one.test', ca);
    assert.equal(subject(before), 'one.test');
    assert.equal(await roundTrip(before, 'ping'), 'ping');

    // Rotate the files in place and reload the same config.
    await Promise.all([copyFile(two.cert, cert), copyFile(two.key, key)]);
    await lb.app.apply(config(input({ cert, key })));
    const after = await tlsOpen(port, 'two.test', ca);
    assert.equal(subject(after), 'two.test', 'new connections get the new certificate');
    assert.equal(await roundTrip(before, 'still here'), 'still here', 'the old connection was not dropped');
    after.destroy();

    // A reload that cannot read or use a file fails as a whole, with a code, naming the file.
    const bad: [Record<string, unknown>, RegExp][] = [
      [
        { cert, key: join(pki.dir, 'missing.key') },
        /listeners\.secure\.tls key: cannot read .*missing\.key \(ENOENT\)/,
      ],
      [{ cert, key: one.key }, /key values mismatch/],
      [{ cert: pki.caCert + '.nope', key }, /cert: cannot read/],
    ];
    for (const [tls, message] of bad) {
      await assert.rejects(lb.app.apply(config(input(tls))), (e: unknown) => {
        assert.ok(isLbError(e));
        assert.equal(e.code, 'LB_ERR_TLS_CONFIG');
        assert.match(e.message, message);
        return true;
      });
    }
    const still = await tlsOpen(port, 'two.test', ca);
    assert.equal(subject(still), 'two.test', 'the listener still serves the last good certificate');
    assert.equal(await roundTrip(still, 'ok'), 'ok');
    still.destroy();
    before.destroy();
  } finally {
    await lb.stop();
    await echo.close();
    await pki.cleanup();
  }
});
