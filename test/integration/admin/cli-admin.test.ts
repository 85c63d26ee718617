import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCli } from '../../helpers/cli.js';
import { apiError, http } from '../../helpers/http.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { series } from '../../helpers/prom-text.js';

test('--admin on a non-loopback address without $LB_ADMIN_TOKEN: the process refuses to start', async () => {
  // A busy machine (2 cores shared with parallel suites) may take long to start node.
  const r = await runCli(['0', '-b', '127.0.0.1:9', '--admin', '0.0.0.0:0'], 30_000);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^loadbalancer: --admin \(token from \$LB_ADMIN_TOKEN\): a token is required when the admin API listens on a non-loopback address \(0\.0\.0\.0\)/,
  );
  const bad = await runCli(['0', '-b', '127.0.0.1:9', '--admin', 'localhost'], 30_000);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^loadbalancer: --admin: "localhost" has no port \(use HOST:PORT\)/);
});

test('--admin with $LB_ADMIN_TOKEN: the API needs the token; SIGHUP reloads show in the metrics', async () => {
  const backend = await echoServer();
  const lb = await startCli(
    ['0', '-b', `127.0.0.1:${backend.port}`, '--admin', '127.0.0.1:0', '--log-format', 'json'],
    {
      env: { LB_ADMIN_TOKEN: 'cli-secret' },
      timeoutMs: 30_000,
    },
  );
  try {
    const m = /Admin API listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(lb.stdout());
    assert.ok(m, lb.stdout());
    const url = m[1]!;
    const denied = await http(`${url}/api/status`);
    assert.equal(denied.status, 401);
    assert.equal(apiError(denied).code, 'LB_ERR_UNAUTHORIZED');
    const status = await http(`${url}/api/status`, { token: 'cli-secret' });
    assert.equal(status.status, 200);
    const cfg = (await http(`${url}/api/config`, { token: 'cli-secret' })).json as { admin: { token: string } };
    assert.equal(cfg.admin.token, '<redacted>');
    lb.proc.kill('SIGHUP');
    await eventually(
      async () => {
        const text = (await http(`${url}/metrics`, { token: 'cli-secret' })).text;
        return series(text, 'lb_config_reloads_total{source="signal",result="success"}') === 1;
      },
      5000,
      'the SIGHUP reload in the metrics',
    );
  } finally {
    assert.equal(await lb.stop(), 0);
    await backend.close();
  }
});
