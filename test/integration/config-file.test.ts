import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { checkCommand } from '../../src/cli/config-file.js';
import { runCli, startCli } from '../helpers/cli.js';
import { configDir } from '../helpers/config-file.js';
import { exchange, freePort, nameServer, tcpServer } from '../helpers/net.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/configs/${name}`, import.meta.url));

const check = async (file: string): Promise<{ code: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const code = await checkCommand(file, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
};

test('check: a valid file prints OK and a summary, returns 0, and opens no port', async () => {
  const busy = await tcpServer(() => undefined); // the listener's port is taken: check must not care
  const files = configDir();
  try {
    const file = files.write('lb.yaml', {
      listeners: { web: { bind: `127.0.0.1:${busy.port}`, pool: 'web' } },
      pools: { web: { targets: ['127.0.0.1:5001', '127.0.0.1:5002'] }, spare: { targets: ['127.0.0.1:5003'] } },
      admin: { bind: '127.0.0.1:9000' },
    });
    assert.deepEqual(await check(file), {
      code: 0,
      stdout: `${file}: OK\n1 listener, 2 pools, 3 targets; admin API on 127.0.0.1:9000\n`,
      stderr: '',
    });
  } finally {
    files.remove();
    await busy.close();
  }
});

test('check: a bad file lists every problem and a count on stderr, returns 1', async () => {
  const file = fixture('bad-duplicate-keys.yaml');
  assert.deepEqual(await check(file), {
    code: 1,
    stdout: '',
    stderr: [
      `${file}:5:5 listeners.web.pool: duplicate key (first at line 4)`,
      `${file}:9:3 pools.web: duplicate key (first at line 7)`,
      `${file}: 2 problems`,
      '',
    ].join('\n'),
  });
  const missing = fixture('no-such-file.yaml');
  assert.deepEqual(await check(missing), {
    code: 1,
    stdout: '',
    stderr: `${missing}: cannot read the config file: no such file\n${missing}: 1 problem\n`,
  });
});

// Through the real CLI: exit codes, and what reaches stderr.
test('CLI: check exits 1 on a bad file; --config refuses PORT and the flags the file replaces', async () => {
  const [bad, clash] = await Promise.all([
    runCli(['check', fixture('bad-env.yaml')]),
    runCli(['--config', fixture('good-minimal.json'), '9000', '--backend', '127.0.0.1:1', '--retries', '1']),
  ]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /bad-env\.yaml:3:11 listeners\.web\.bind: environment variable LB_TEST_PORT is not set\n/);
  assert.match(bad.stderr, /bad-env\.yaml: 3 problems\n$/);
  assert.deepEqual(clash, {
    code: 1,
    stdout: '',
    stderr:
      'loadbalancer: --config cannot be combined with PORT, --backend, --retries (the config file sets listeners and pools)\n',
  });
});

test('CLI: --config serves several listeners from the file, ${VAR} expanded from the environment', async () => {
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
  try {
    const lb = await startCli(['--config', file, '--log-format', 'json'], { env: { ONE_PORT: String(p1) } });
    try {
      assert.equal((await exchange(p1, '')).toString(), 'A');
      assert.equal((await exchange(p2, '')).toString(), 'B');
      assert.match(lb.stdout(), new RegExp(`Server is listening on port ${p1}\nServer is listening on port ${p2}\n`));
    } finally {
      assert.equal(await lb.stop(), 0);
    }
  } finally {
    files.remove();
    await Promise.all([a.close(), b.close()]);
  }
});
