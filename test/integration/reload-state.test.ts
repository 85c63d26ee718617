import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { configDir } from '../helpers/config-file.js';
import { apiError, http } from '../helpers/http.js';
import { namedEcho, whoServes } from '../helpers/named-echo.js';
import { eventually, freePort } from '../helpers/net.js';
import { series } from '../helpers/prom-text.js';

const adminUrl = (lb: RunningCli): string => /Admin API listening on (http:\/\/\S+)\n/.exec(lb.stdout())?.[1] ?? '';
const messages = (lb: RunningCli): string[] => lb.logs().map((l) => String(l.msg));

test('an invalid reload (bad YAML, schema error, semantic error) keeps the old config serving, logs and reports file:line:col, counts the failures', async () => {
  const [a, b] = await Promise.all([namedEcho('A'), namedEcho('B')]);
  const files = configDir();
  const valid = (target: string, adminPort = 0): string =>
    [
      'listeners:',
      '  main: { bind: 127.0.0.1:0, pool: web }',
      'pools:',
      '  web:',
      `    targets: ["${target}"]`,
      '    healthCheck: { type: none }',
      'admin:',
      `  bind: 127.0.0.1:${adminPort}`,
    ].join('\n');
  const file = files.write('lb.yaml', valid(a.address));
  const lb = await startCli(['--config', file, '--log-format', 'json', '--no-access-log']);
  const api = (path: string, method = 'GET') => http(`${adminUrl(lb)}${path}`, { method });
  type Status = { config: { version: number; lastReload: { ok: boolean; source: string; issues: string[] } | null } };
  try {
    // 1. bad YAML, by SIGHUP: the problem is logged with its place in the file
    files.write('lb.yaml', `${valid(b.address)}\n  - oops: [\n`);
    lb.proc.kill('SIGHUP');
    await eventually(
      () =>
        messages(lb).find((m) =>
          m.startsWith('config reload (signal) failed with 1 problem; still running config version 1'),
        ),
      10_000,
      'the failed reload in the log',
    );
    assert.ok(
      messages(lb).some((m) => new RegExp(`^${file}:9:\\d+ `).test(m)),
      `a log line names the file, line and column: ${messages(lb).join(' | ')}`,
    );
    assert.equal(await whoServes(lb.port), 'A', 'still serving with the old config');
    let status = (await api('/api/status')).json as Status;
    assert.deepEqual(
      [status.config.version, status.config.lastReload?.ok, status.config.lastReload?.source],
      [1, false, 'signal'],
    );

    // 2. schema error and 3. semantic error, by the API: 422 with every problem
    files.write('lb.yaml', valid(b.address).replace('    targets:', '    retries: -1\n    targets:'));
    let r = await api('/api/reload', 'POST');
    assert.equal(r.status, 422, r.text);
    assert.deepEqual((r.json as { error: { issues: string[] } }).error.issues, [
      `${file}:5:14 pools.web.retries: must be at least 0`,
    ]);
    files.write('lb.yaml', valid(b.address).replace('pool: web', 'pool: wbe'));
    r = await api('/api/reload', 'POST');
    assert.equal(r.status, 422, r.text);
    assert.equal(apiError(r).code, 'LB_ERR_CONFIG_INVALID');
    assert.deepEqual((r.json as { error: { issues: string[] } }).error.issues, [
      `${file}:2:36 listeners.main.pool: unknown pool "wbe" (known: web)`,
    ]);
    const line = `${file}:2:36 listeners.main.pool: unknown pool "wbe" (known: web)`;
    await eventually(() => messages(lb).includes(line), 5000, 'the problem in the log too');
    assert.equal(await whoServes(lb.port), 'A', 'still serving with the old config');

    let metrics = (await api('/metrics')).text;
    assert.equal(series(metrics, 'lb_config_reloads_total{source="signal",result="failure"}'), 1);
    assert.equal(series(metrics, 'lb_config_reloads_total{source="api",result="failure"}'), 2);
    assert.equal(series(metrics, 'lb_config_last_reload_successful'), 0);

    // fixed: the next reload applies it (all but the admin address, which it says stays as started)
    files.write('lb.yaml', valid(b.address, 1));
    r = await api('/api/reload', 'POST');
    assert.equal(r.status, 200, r.text);
    assert.equal(await whoServes(lb.port), 'B');
    status = (await api('/api/status')).json as Status;
    assert.equal(status.config.version, 2);
    metrics = (await api('/metrics')).text;
    assert.equal(series(metrics, 'lb_config_last_reload_successful'), 1);
    const warning = 'reload: ~ admin.bind: 127.0.0.1:0 → 127.0.0.1:1 (takes effect at the next start)';
    await eventually(() => messages(lb).includes(warning), 5000, 'the warning that the admin address stays');
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all([a.close(), b.close()]);
  }
});

test('health and admin state survive a reload that keeps the target: DOWN stays DOWN (no flap), maint and drain stay', async () => {
  const [a, c, d, e] = await Promise.all([namedEcho('A'), namedEcho('C'), namedEcho('D'), namedEcho('E')]);
  const dead = `127.0.0.1:${await freePort()}`;
  const files = configDir();
  const write = (targets: string[], interval: string, retries: number): string =>
    files.write('lb.yaml', {
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets, retries, healthCheck: { interval, timeout: '150ms', rise: 2, fall: 1 } } },
      admin: { bind: '127.0.0.1:0' },
    });
  const file = write([a.address, c.address, d.address, dead], '200ms', 2);
  const lb = await startCli(['--config', file, '--log-format', 'json', '--no-access-log']);
  const url = adminUrl(lb);
  type Target = { address: string; health: string; admin: string; lastChange: { at: string; cause: string } | null };
  const targets = async (): Promise<Map<string, Target>> => {
    const st = (await http(`${url}/api/status`)).json as { pools: { targets: Target[] }[] };
    return new Map(st.pools[0]!.targets.map((t) => [t.address, t]));
  };
  try {
    await eventually(
      async () => {
        const t = await targets();
        return t.get(dead)?.health === 'unhealthy' && t.get(a.address)?.health === 'healthy';
      },
      10_000,
      'the dead target DOWN, the others UP',
    );
    const patch = (addr: string, state: string) =>
      http(`${url}/api/pools/web/targets/${addr}`, { method: 'PATCH', body: JSON.stringify({ state }) });
    assert.equal((await patch(c.address, 'maint')).status, 200);
    assert.equal((await patch(d.address, 'drain')).status, 200);
    const healthOf = (t: Target | undefined) => [t?.health, t?.lastChange];
    const before = healthOf((await targets()).get(dead));
    const cChecks = c.accepted();

    // A reload that keeps every target but changes the pool: checks, retries, one more target.
    write([a.address, c.address, d.address, dead, e.address], '300ms', 1);
    lb.proc.kill('SIGHUP');
    await eventually(() => messages(lb).some((m) => m.startsWith('config version 2 applied')), 10_000, 'the reload');
    let after = await targets();
    assert.deepEqual(healthOf(after.get(dead)), before, 'the DOWN target is still DOWN, with the same last change');
    assert.equal(after.get(c.address)!.admin, 'maint');
    assert.equal(after.get(d.address)!.admin, 'drain');
    // a few check rounds later: the new target is UP, nothing else moved
    await eventually(async () => (await targets()).get(e.address)?.health === 'healthy', 10_000, 'E UP');
    after = await targets();
    assert.deepEqual(healthOf(after.get(dead)), before);
    assert.equal(after.get(a.address)!.health, 'healthy');
    assert.equal(c.accepted(), cChecks, 'a target in maint is not checked, before or after the reload');
    const transitions = messages(lb).filter((m) => m.startsWith(`target ${dead} `));
    assert.equal(transitions.length, 1, `one transition of the dead target: ${transitions.join(' | ')}`);
    for (let i = 0; i < 6; i++)
      assert.match(await whoServes(lb.port), /^[AE]$/, 'neither maint, drain nor DOWN targets serve');
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all([a, c, d, e].map((s) => s.close()));
  }
});
