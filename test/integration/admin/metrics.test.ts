import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { http } from '../../helpers/http.js';
import { namedEcho, open } from '../../helpers/named-echo.js';
import { echoServer, eventually, exchange, freePort } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';
import { series } from '../../helpers/prom-text.js';
import { startStack } from '../../helpers/stack.js';

test('GET /metrics: values after known traffic, and promtool accepts the exposition', async (t) => {
  const echo = await echoServer();
  const held = await namedEcho('H');
  const E = `127.0.0.1:${echo.port}`;
  const dead = `127.0.0.1:${await freePort()}`;
  const s = await startStack({
    listeners: {
      main: { bind: '127.0.0.1:0', pool: 'web' },
      broken: { bind: '127.0.0.1:0', pool: 'dead' },
      limited: { bind: '127.0.0.1:0', pool: 'lim', maxConnections: 1 },
    },
    pools: {
      web: { targets: [E], healthCheck: { interval: '200ms', timeout: '100ms', rise: 1 } },
      dead: { targets: [dead], retries: 0, healthCheck: { type: 'none' } },
      lim: { targets: [held.address], healthCheck: { type: 'none' } },
    },
  });
  const metrics = async (): Promise<string> => (await http(`${s.url}/metrics`)).text;
  try {
    const payload = Buffer.alloc(100, 'x');
    for (let i = 0; i < 5; i++) assert.equal((await exchange(s.port('main'), payload)).length, 100);
    for (let i = 0; i < 2; i++) assert.equal((await exchange(s.port('broken'), 'hello')).length, 0);
    const c = await open(s.port('limited'));
    // over the limit: not accepted, it waits in the backlog
    const waiting = connect({ port: s.port('limited'), host: '127.0.0.1' }).on('error', () => undefined);

    const m = await eventually(
      async () => {
        const text = await metrics();
        const closed = series(
          text,
          'lb_listener_closed_connections_total{listener="main",pool="web",reason="client_close"}',
        );
        const healthy = series(text, `lb_target_health{pool="web",target="${E}",state="healthy"}`);
        return closed === 5 && healthy === 1 ? text : undefined;
      },
      5000,
      'five closed connections and a healthy target',
    );
    const want: [string, number][] = [
      ['lb_listener_connections_total{listener="main"}', 5],
      ['lb_listener_received_bytes_total{listener="main"}', 500],
      ['lb_listener_sent_bytes_total{listener="main"}', 500],
      ['lb_pool_connections_total{pool="web"}', 5],
      ['lb_pool_received_bytes_total{pool="web"}', 500],
      [`lb_target_connections_total{pool="web",target="${E}"}`, 5],
      [`lb_target_sent_bytes_total{pool="web",target="${E}"}`, 500],
      ['lb_pool_connect_duration_seconds_count{pool="web"}', 5],
      [`lb_target_connect_duration_seconds_bucket{le="+Inf",pool="web",target="${E}"}`, 5],
      [`lb_target_connect_errors_total{pool="dead",target="${dead}",reason="connect_failed"}`, 2],
      ['lb_pool_connect_errors_total{pool="dead",reason="connect_failed"}', 2],
      ['lb_listener_closed_connections_total{listener="broken",pool="dead",reason="connect_failed"}', 2],
      ['lb_listener_paused{listener="limited"}', 1],
      ['lb_listener_paused_total{listener="limited",reason="max_connections"}', 1],
      ['lb_listener_connections_total{listener="limited"}', 1],
      ['lb_listener_active_connections{listener="limited"}', 1],
      [`lb_target_active_connections{pool="lim",target="${held.address}"}`, 1],
      ['lb_pool_active_connections{pool="lim"}', 1],
      [`lb_target_admin_state{pool="web",target="${E}",state="ready"}`, 1],
      [`lb_target_health{pool="web",target="${E}",state="unknown"}`, 0],
      [`lb_target_weight{pool="web",target="${E}"}`, 1],
      ['lb_pool_eligible_targets{pool="web"}', 1],
      [`lb_health_transitions_total{pool="web",target="${E}",state="healthy"}`, 1],
    ];
    for (const [key, value] of want) assert.equal(series(m, key), value, key);
    assert.ok((series(m, `lb_health_checks_total{pool="web",target="${E}",result="success"}`) ?? 0) >= 1);
    assert.ok((series(m, 'process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
    await c.close();
    waiting.destroy();

    if (!requireProgram(t, 'promtool', 'prometheus')) return;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  } finally {
    await s.stop();
    await Promise.all([echo.close(), held.close()]);
  }
});
