import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { LiveBytes } from '../../../src/metrics/live-bytes.js';
import { Metrics } from '../../../src/metrics/metrics.js';

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

async function samples(m: Metrics, name: string): Promise<Sample[]> {
  m.refresh();
  const all = await m.registry.getMetricsAsJSON();
  return (all.find((x) => x.name === name)?.values ?? []) as Sample[];
}

async function value(m: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const want = JSON.stringify(Object.entries(labels).sort());
  const s = (await samples(m, name)).find(
    (x) =>
      JSON.stringify(
        Object.entries(x.labels)
          .map(([k, v]) => [k, String(v)])
          .sort(),
      ) === want,
  );
  return s?.value;
}

const end = {
  listener: 'web',
  pool: 'p',
  client: '10.0.0.9',
  clientPort: 5555,
  durationMs: 12,
  connectMs: 1,
  attempts: 1,
};

test('catalog: one prefix, _total on counters only, help on every metric', () => {
  const m = new Metrics({ runtime: () => undefined, processMetrics: false });
  const metrics = m.registry.getMetricsAsArray();
  assert.ok(metrics.length >= 25);
  for (const x of metrics) {
    const { name, help, type } = x as unknown as { name: string; help: string; type: string };
    assert.match(name, /^lb_[a-z_]+$/, name);
    assert.equal(name.endsWith('_total'), type === 'counter', `${name} is a ${type}`);
    assert.ok(help.length > 10, name);
    if (/bytes|duration|timestamp/.test(name)) assert.match(name, /_(bytes_total|seconds|timestamp_seconds)$/, name);
  }
});

test('traffic events become counters and histograms', async () => {
  const m = new Metrics({ runtime: () => undefined, processMetrics: false });
  const o = m.observer;
  for (let i = 0; i < 3; i++) o.onAccepted?.('web', { listener: 'web' } as never);
  o.onConnectError('p', 'a:1', 'connect_failed', 'connect ECONNREFUSED');
  o.onConnectError('p', 'a:1', 'connect_timeout', 'connect timeout after 10ms');
  o.onConnected('p', 'b:1', 3); // 3 ms
  o.onConnected('p', 'b:1', 700);
  o.onSessionEnd({ ...end, target: 'b:1', bytesFromClient: 100, bytesToClient: 1000, reason: 'client_close' });
  o.onSessionEnd({ ...end, target: 'b:1', bytesFromClient: 5, bytesToClient: 7, reason: 'backend_reset' });
  o.onSessionEnd({ ...end, target: undefined, bytesFromClient: 0, bytesToClient: 0, reason: 'no_healthy_target' });
  o.onRejected('web', 'max_connections');

  assert.equal(await value(m, 'lb_listener_connections_total', { listener: 'web' }), 3);
  assert.equal(await value(m, 'lb_listener_received_bytes_total', { listener: 'web' }), 105);
  assert.equal(await value(m, 'lb_listener_sent_bytes_total', { listener: 'web' }), 1007);
  assert.equal(await value(m, 'lb_pool_sent_bytes_total', { pool: 'p' }), 1007);
  assert.equal(await value(m, 'lb_target_received_bytes_total', { pool: 'p', target: 'b:1' }), 105);
  assert.equal(await value(m, 'lb_target_connections_total', { pool: 'p', target: 'b:1' }), 2);
  assert.equal(await value(m, 'lb_pool_connections_total', { pool: 'p' }), 2);
  for (const reason of ['connect_failed', 'connect_timeout']) {
    assert.equal(await value(m, 'lb_target_connect_errors_total', { pool: 'p', target: 'a:1', reason }), 1);
    assert.equal(await value(m, 'lb_pool_connect_errors_total', { pool: 'p', reason }), 1);
  }
  for (const reason of ['client_close', 'backend_reset', 'no_healthy_target'])
    assert.equal(await value(m, 'lb_listener_closed_connections_total', { listener: 'web', pool: 'p', reason }), 1);
  assert.equal(
    await value(m, 'lb_listener_rejected_connections_total', { listener: 'web', reason: 'max_connections' }),
    1,
  );
  const hist = await samples(m, 'lb_target_connect_duration_seconds');
  const bucket = (le: number): number | undefined =>
    hist.find((s) => s.metricName?.endsWith('_bucket') && s.labels.le === le)?.value;
  assert.equal(bucket(0.0025), 0);
  assert.equal(bucket(0.005), 1, '3 ms');
  assert.equal(bucket(0.5), 1);
  assert.equal(bucket(1), 2, '700 ms');
  assert.equal(hist.find((s) => s.metricName?.endsWith('_sum'))?.value, 0.703);
});

test('health checks, transitions and reloads', async () => {
  const m = new Metrics({ runtime: () => undefined, processMetrics: false });
  const sink = m.healthObserver('p');
  sink.onCheck('a:1', { ok: true, latencyMs: 1, detail: 'connect ok' }, 0);
  sink.onCheck('a:1', { ok: false, detail: 'connect ECONNREFUSED' }, 1);
  sink.onCheck('a:1', { ok: false, detail: 'connect ECONNREFUSED' }, 2);
  sink.onTransition({ id: 'a:1', from: 'healthy', to: 'unhealthy', cause: 'x' });
  assert.equal(await value(m, 'lb_health_checks_total', { pool: 'p', target: 'a:1', result: 'success' }), 1);
  assert.equal(await value(m, 'lb_health_checks_total', { pool: 'p', target: 'a:1', result: 'failure' }), 2);
  assert.equal(await value(m, 'lb_health_transitions_total', { pool: 'p', target: 'a:1', state: 'unhealthy' }), 1);

  m.recordReload({ ok: true, version: 2, at: new Date(1_700_000_000_000).toISOString(), source: 'signal', issues: [] });
  m.recordReload({
    ok: false,
    version: 2,
    at: new Date(1_700_000_001_000).toISOString(),
    source: 'api',
    issues: ['x: bad'],
  });
  assert.equal(await value(m, 'lb_config_reloads_total', { source: 'signal', result: 'success' }), 1);
  assert.equal(await value(m, 'lb_config_reloads_total', { source: 'api', result: 'failure' }), 1);
  assert.equal(await value(m, 'lb_config_last_reload_successful', {}), 0);
  assert.equal(await value(m, 'lb_config_last_reload_timestamp_seconds', {}), 1_700_000_001);
});

test('a registry per instance: nothing on the global registry, nothing shared', async () => {
  const a = new Metrics({ runtime: () => undefined, processMetrics: true });
  const b = new Metrics({ runtime: () => undefined, processMetrics: true });
  a.observer.onAccepted?.('web', { listener: 'web' } as never);
  assert.equal(await value(a, 'lb_listener_connections_total', { listener: 'web' }), 1);
  assert.equal(await value(b, 'lb_listener_connections_total', { listener: 'web' }), undefined);
  assert.equal(globalRegistry.getMetricsAsArray().length, 0);
  const names = b.registry.getMetricsAsArray().map((x) => (x as unknown as { name: string }).name);
  assert.ok(names.includes('process_cpu_seconds_total'));
  assert.ok(!names.some((n) => /^nodejs_active_\w+_total$/.test(n)), 'gauges named _total are left out');
});

test('byte counters: open bytes count at once, never go back, and a closed connection is counted once', async () => {
  const m = new Metrics({ runtime: () => undefined, processMetrics: false });
  const lb = new LiveBytes(m.catalog.listenerReceived, m.catalog.listenerSent);
  const read = async (): Promise<number | undefined> => {
    const all = await m.registry.getMetricsAsJSON();
    return all.find((x) => x.name === 'lb_listener_received_bytes_total')?.values[0]?.value;
  };
  lb.publish([[{ listener: 'web' }, { fromClient: 100, toClient: 0 }]]);
  assert.equal(await read(), 100, 'an open connection counts at once');
  lb.publish([]); // its listener drains after a reload: the session cannot be read any more
  assert.equal(await read(), 100, 'a counter never goes back');
  lb.addClosed({ listener: 'web' }, 150, 0); // it ends with 150 bytes
  lb.publish([]);
  assert.equal(await read(), 150);
  lb.publish([[{ listener: 'web' }, { fromClient: 7, toClient: 0 }]]);
  assert.equal(await read(), 157);
});
