import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startCluster } from '../../helpers/cluster.js';
import { echoServer, eventually, exchange } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';
import { series } from '../../helpers/prom-text.js';

test('--workers 2: both workers serve, /api/status lists them, /metrics sums their traffic and passes promtool', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const lb = await startCluster(['0', '--host', '127.0.0.1', '-b', `127.0.0.1:${echo.port}`, '--health-interval', '0']);
  t.after(() => lb.stop('SIGKILL'));
  const payload = Buffer.alloc(100, 'x');
  let sent = 0;
  // Batches of concurrent connections, until the kernel has given some to each worker.
  await eventually(
    async () => {
      const replies = await Promise.all(Array.from({ length: 10 }, () => exchange(lb.port, payload)));
      for (const r of replies) assert.deepEqual(r, payload);
      sent += replies.length;
      return new Set(lb.accessLines().map((l) => l.pid)).size === 2;
    },
    60_000,
    'connections on both workers',
  );
  const status = await lb.status();
  assert.deepEqual(
    status.workers.map((w) => [w.id, w.state, w.restarts]),
    [
      [1, 'running', 0],
      [2, 'running', 0],
    ],
  );
  // Each worker chooses its own relay: the status says which one relays its new connections.
  for (const w of status.workers) {
    assert.ok(w.relay && ['native', 'js'].includes(w.relay.mode), `worker ${w.id} relay: ${JSON.stringify(w.relay)}`);
    assert.ok(w.relay.reason.length > 0);
  }
  const pids = status.workers.map((w) => w.pid).sort();
  assert.deepEqual([...new Set(lb.accessLines().map((l) => l.pid))].sort(), pids, 'the access log names the workers');
  assert.ok(!pids.includes(lb.proc.pid!), 'the primary carries no connection');

  // Counters are summed over the workers, in the status and in the metrics.
  const m = await eventually(
    async () => {
      const text = await lb.metrics();
      return series(text, 'lb_listener_received_bytes_total{listener="main"}') === sent * 100 ? text : undefined;
    },
    20_000,
    'metrics of every connection',
  );
  assert.equal(series(m, 'lb_listener_connections_total{listener="main"}'), sent);
  assert.equal(series(m, 'lb_listener_sent_bytes_total{listener="main"}'), sent * 100);
  assert.equal(series(m, `lb_target_connections_total{pool="default",target="127.0.0.1:${echo.port}"}`), sent);
  await eventually(() => lb.accessLines().length === sent, 10_000, 'one access line per connection');
  // Control-plane gauges come from the primary alone (not one per worker, not summed).
  assert.equal(series(m, `lb_target_weight{pool="default",target="127.0.0.1:${echo.port}"}`), 1);
  assert.equal(series(m, 'lb_pool_eligible_targets{pool="default"}'), 1);
  const after = await lb.status();
  for (const w of after.workers)
    assert.equal(
      w.totalConnections,
      lb.accessLines().filter((l) => l.pid === w.pid).length,
      `connections of worker ${w.id}`,
    );
  assert.equal(after.listeners[0]!.totalConnections, sent);
  assert.equal(after.pools[0]!.targets[0]!.totalConnections, sent);
  assert.equal(after.pools[0]!.targets[0]!.bytesFromClient, sent * 100);

  if (!requireProgram(t, 'promtool', 'prometheus')) return;
  const check = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
});
