import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli, startCli } from '../helpers/cli.js';
import { configDir } from '../helpers/config-file.js';
import { exchange, freePort, nameServer, tcpServer } from '../helpers/net.js';

// Generous: on a loaded 2-core machine starting node can take seconds.
const SLOW = 30_000;

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/configs/${name}`, import.meta.url));

test('check: a valid file prints OK and a summary, exits 0, and opens no port', async () => {
  const busy = await tcpServer(() => undefined); // the listener's port is taken: check must not care
  const files = configDir();
  try {
    const file = files.write('lb.yaml', {
      listeners: { web: { bind: `127.0.0.1:${busy.port}`, pool: 'web' } },
      pools: { web: { targets: ['127.0.0.1:5001', '127.0.0.1:5002'] }, spare: { targets: ['127.0.0.1:5003'] } },
      admin: { bind: '127.0.0.1:9000' },
    });
    const r = await runCli(['check', file], SLOW);
    assert.deepEqual(r, {
      code: 0,
      stdout: `${file}: OK\n1 listener, 2 pools, 3 targets; admin API on 127.0.0.1:9000\n`,
      stderr: '',
    });
  } finally {
    files.remove();
    await busy.close();
  }
});

test('check: a bad file lists every problem on stderr and exits 1', async () => {
  const file = fixture('bad-duplicate-keys.yaml');
  const r = await runCli(['check', file], SLOW);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    [
      `${file}:5:5 listeners.web.pool: duplicate key (first at line 4)`,
      `${file}:9:3 pools.web: duplicate key (first at line 7)`,
      `${file}: 2 problems`,
      '',
    ].join('\n'),
  );
  const missing = await runCli(['check', fixture('no-such-file.yaml')], SLOW);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no-such-file\.yaml: cannot read the config file: no such file\n/);
});

test('--config refuses PORT and the flags the file replaces; --watch needs --config', async () => {
  const file = fixture('good-minimal.json');
  const r = await runCli(['--config', file, '9000', '--backend', '127.0.0.1:1', '--retries', '1'], SLOW);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'loadbalancer: --config cannot be combined with PORT, --backend, --retries (the config file sets listeners and pools)\n',
  );
  const w = await runCli(['--watch'], SLOW);
  assert.equal(w.code, 1);
  assert.equal(w.stderr, 'loadbalancer: --watch needs --config FILE\n');
});

test('--config with an invalid file prints the problems and exits 1 before listening', async () => {
  const r = await runCli(['-c', fixture('bad-env.yaml')], SLOW);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').length, 4);
  assert.match(r.stderr, /bad-env\.yaml:3:11 listeners\.web\.bind: environment variable LB_TEST_PORT is not set\n/);
});

test('--config serves several listeners from the file, ${VAR} expanded from the environment', async () => {
  const [a, b] = await Promise.all([nameServer('A'), nameServer('B')]);
  const [p1, p2] = [await freePort(), await freePort()];
  const files = configDir();
  const file = files.write(
    'lb.yaml',
    [
      'listeners:',
      '  one: { bind: "127.0.0.1:${ONE_PORT}", pool: first }',
      `  two: { bind: 127.0.0.1:${p2}, pool: second }`,
      'pools:',
      `  first: { targets: ["127.0.0.1:${a.port}"], healthCheck: { type: none } }`,
      `  second: { targets: ["127.0.0.1:${b.port}"], healthCheck: { type: none } }`,
    ].join('\n'),
  );
  const lb = await startCli(['--config', file, '--log-format', 'json'], {
    env: { ONE_PORT: String(p1) },
    timeoutMs: SLOW,
  });
  try {
    assert.equal((await exchange(p1, '')).toString(), 'A');
    assert.equal((await exchange(p2, '')).toString(), 'B');
    assert.match(lb.stdout(), new RegExp(`Server is listening on port ${p1}\nServer is listening on port ${p2}\n`));
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all([a.close(), b.close()]);
  }
});
