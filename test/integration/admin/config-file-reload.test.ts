import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { apiError, http } from '../../helpers/http.js';
import { nameServer, exchange } from '../../helpers/net.js';
import { series } from '../../helpers/prom-text.js';

const TOKEN = 'file-secret';

test('--config with an admin section: POST /api/reload applies the edited file, refuses a broken one', async () => {
  const [a, b] = await Promise.all([nameServer('A'), nameServer('B')]);
  const files = configDir();
  const write = (targets: string[], algorithm = 'round-robin'): string =>
    files.write(
      'lb.yaml',
      [
        'listeners:',
        '  web: { bind: 127.0.0.1:0, pool: web }',
        'pools:',
        '  web:',
        `    algorithm: ${algorithm}`,
        `    targets: [${targets.map((t) => `"${t}"`).join(', ')}]`,
        '    healthCheck: { type: none }',
        'admin:',
        '  bind: 127.0.0.1:0',
        '  token: ${LB_ADMIN_TOKEN}',
      ].join('\n'),
    );
  const A = `127.0.0.1:${a.port}`;
  const B = `127.0.0.1:${b.port}`;
  const file = write([A]);
  const lb = await startCli(['--config', file, '--log-format', 'json'], {
    env: { LB_ADMIN_TOKEN: TOKEN },
    timeoutMs: 30_000,
  });
  const api = (path: string, method = 'GET', body?: string) => http(`${url}${path}`, { method, body, token: TOKEN });
  const url = /Admin API listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(lb.stdout())?.[1] ?? '';
  try {
    assert.ok(url, lb.stdout());
    assert.equal((await http(`${url}/api/status`)).status, 401, 'the token of the file is required');
    assert.equal((await api(`/api/pools/web/targets/${A}`, 'PATCH', '{"state":"drain"}')).status, 200);

    write([A, B]);
    const ok = await api('/api/reload', 'POST');
    assert.equal(ok.status, 200, ok.text);
    const reload = (ok.json as { reload: { ok: boolean; version: number; source: string } }).reload;
    assert.deepEqual([reload.ok, reload.version, reload.source], [true, 2, 'api']);
    type Status = { config: { version: number }; pools: { targets: { address: string; admin: string }[] }[] };
    let status = (await api('/api/status')).json as Status;
    assert.deepEqual(
      status.pools[0]!.targets.map((t) => [t.address, t.admin]),
      [
        [A, 'drain'],
        [B, 'ready'],
      ],
    );
    for (let i = 0; i < 3; i++) assert.equal((await exchange(lb.port, '')).toString(), 'B');

    write([A, B], 'fastest');
    const refused = await api('/api/reload', 'POST');
    assert.equal(refused.status, 422, refused.text);
    assert.equal(apiError(refused).code, 'LB_ERR_CONFIG_INVALID');
    assert.match(
      apiError(refused).message,
      /^the new config was refused and version 2 keeps running: 1 problem, first: /,
    );
    const issues = (refused.json as { error: { issues: string[] } }).error.issues;
    assert.match(issues[0]!, /lb\.yaml:5:16 pools\.web\.algorithm: /);
    status = (await api('/api/status')).json as Status;
    assert.equal(status.config.version, 2);
    assert.equal((await exchange(lb.port, '')).toString(), 'B', 'still serving with version 2');

    const text = (await api('/metrics')).text;
    assert.equal(series(text, 'lb_config_reloads_total{source="api",result="success"}'), 1);
    assert.equal(series(text, 'lb_config_reloads_total{source="api",result="failure"}'), 1);
    assert.equal(series(text, 'lb_config_last_reload_successful'), 0);
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all([a.close(), b.close()]);
  }
});
