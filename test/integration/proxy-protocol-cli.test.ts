import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

test('loadbalancer proxy-protocol decode: prints the header, exit 0; bad input: one error line, exit 1', async () => {
  const line = Buffer.from('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n').toString('hex');
  const ok = await runCli(['proxy-protocol', 'decode', line], 30_000);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^version {6}1\n/);
  assert.match(ok.stdout, /source {7}192\.168\.0\.1:56324\ndestination {2}192\.168\.0\.11:443\n/);
  const bad = await runCli(['proxy-protocol', 'decode', '0d0a0d0a000d0a515549540a2111'], 30_000);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.equal(bad.stderr, 'loadbalancer: incomplete PROXY header: 14 bytes are a valid start, more are needed\n');
});
