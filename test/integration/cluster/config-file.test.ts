import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFrom, everyWorkerUses } from '../../helpers/cluster.js';
import { configDir } from '../../helpers/config-file.js';
import { http } from '../../helpers/http.js';
import { namedEcho, open } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { series } from '../../helpers/prom-text.js';

const yaml = (targets: readonly string[], workers?: number): string =>
  [
    ...(workers === undefined ? [] : [`workers: ${workers}`]),
    'listeners:',
    '  web: { bind: 127.0.0.1:0, pool: web }',
    'pools:',
    '  web:',
    `    targets: [${targets.map((t) => `"${t}"`).join(', ')}]`,
    '    healthCheck: { type: none }',
    'admin: { bind: 127.0.0.1:0 }',
  ].join('\n');

test('workers: in a config file; POST /api/reload of the edited file reaches every worker; a new count warns', async (t) => {
  const [a, b] = await Promise.all([namedEcho('A'), namedEcho('B')]);
  const files = configDir();
  t.after(async () => {
    files.remove();
    await Promise.all([a.close(), b.close()]);
  });
  const file = files.write('lb.yaml', yaml([a.address], 2));
  const lb = await clusterFrom(['--config', file, '--log-format', 'json']);
  t.after(() => lb.stop('SIGKILL'));
  assert.deepEqual(
    (await lb.status()).workers.map((w) => w.state),
    ['running', 'running'],
  );
  await everyWorkerUses(lb, [a.address]);

  // Bytes of a connection still open are counted while it lasts, as in one process.
  const conn = await open(lb.port);
  assert.equal(await conn.echo('hello\n'), 'hello\n');
  const target = async () => (await lb.status()).pools[0]!.targets[0]!;
  const before = (await lb.status()).pools[0]!.targets[0]!.bytesFromClient;
  await conn.echo('0123456789\n');
  await eventually(async () => (await target()).bytesFromClient === before + 11, 10_000, 'live bytes in the status');
  const m = await lb.metrics();
  assert.equal(series(m, `lb_target_received_bytes_total{pool="web",target="${a.address}"}`), before + 11);
  await conn.close();

  files.write('lb.yaml', yaml([a.address, b.address], 3));
  const reload = await http(`${lb.admin}/api/reload`, { method: 'POST' });
  assert.equal(reload.status, 200, reload.text);
  await everyWorkerUses(lb, [a.address, b.address]);
  assert.equal((await lb.status()).workers.length, 2, 'the worker count is read at start only');
  assert.ok(
    lb.logs().some((l) => l.level === 40 && String(l.msg).startsWith('workers: the new count takes effect')),
    'a warning says so',
  );
});

test('--workers next to --config overrides the file', async (t) => {
  const a = await namedEcho('A');
  const files = configDir();
  t.after(async () => {
    files.remove();
    await a.close();
  });
  const lb = await clusterFrom(['--config', files.write('lb.yaml', yaml([a.address])), '--workers', '2']);
  t.after(() => lb.stop('SIGKILL'));
  assert.equal((await lb.status()).workers.length, 2);
  assert.equal(await lb.stop(), 0, 'and it stops cleanly');
});
