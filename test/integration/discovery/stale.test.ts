import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { systemClock } from '../../../src/core/clock.js';
import type { Config } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/validate.js';
import { Discovery } from '../../../src/discovery/discovery.js';
import { createEtcdClient } from '../../../src/discovery/etcd-client.js';
import { discoveryMetrics } from '../../../src/discovery/discovery-metrics.js';
import { TargetStore } from '../../../src/store/target-store.js';
import { targetSpecs } from '../../../src/pool/pool-runtime.js';
import { captureLog } from '../../helpers/capture-log.js';
import { startDnsmasq } from '../../helpers/dnsmasq.js';
import { startEtcd, etcdctl } from '../../helpers/etcd.js';
import { eventually } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

const configOf = (input: unknown): Config => {
  const v = validateConfig(input);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  return v.config;
};

test('a failing source never empties a pool: stale with error and age, logged once per change, counted; static + etcd + DNS add up', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server') || !requireProgram(t, 'dnsmasq', 'dnsmasq-base')) return;
  const etcd = await startEtcd(1);
  const dns = await startDnsmasq('web.test', {
    srv: [['_lb._tcp.web.test', 'b1.web.test', 9001, 1, 5]],
    hosts: { 'b1.web.test': ['127.0.0.1'] },
  });
  const config = configOf({
    etcd: { endpoints: etcd.endpoints, timeout: '1s' },
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: {
      web: {
        targets: ['127.0.0.9:9009'],
        discovery: {
          etcd: { prefix: '/services/web/' },
          dns: { name: '_lb._tcp.web.test', resolvers: [dns.server], interval: '1s' },
        },
      },
    },
  });
  const clock = systemClock();
  const store = new TargetStore({ clock });
  store.applyConfig(
    Object.fromEntries(Object.entries(config.pools).map(([n, p]) => [n, targetSpecs(p)])),
    'config load',
  );
  const { log, lines } = captureLog();
  const registry = new Registry();
  const client = createEtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: 1000 });
  const discovery = new Discovery({ sink: store, clock, log, etcd: () => client, metrics: discoveryMetrics(registry) });
  const ids = () =>
    store
      .pool('web')!
      .targets.map((x) => `${x.id}@${x.spec.weight}`)
      .sort();
  const status = (source: string) => discovery.status().find((s) => s.source === source)!;
  try {
    await etcdctl(etcd.endpoints, 'put', '/services/web/127.0.0.2:9002', '');
    await discovery.apply(config);
    await eventually(() => ids().length === 3, 8000, 'static + etcd + dns');
    assert.deepEqual(ids(), ['127.0.0.1:9001@5', '127.0.0.2:9002@1', '127.0.0.9:9009@1']);
    assert.equal(status('etcd:/services/web/').state, 'ok');

    // both sources fail: every target stays
    await etcd.members[0]!.stop();
    await dns.stop();
    await eventually(() => discovery.status().every((s) => s.state === 'stale'), 10_000, 'both stale');
    const failuresThen = status('dns:_lb._tcp.web.test').failures;
    await eventually(() => status('dns:_lb._tcp.web.test').failures >= failuresThen + 2, 10_000, 'more retries');
    assert.deepEqual(ids(), ['127.0.0.1:9001@5', '127.0.0.2:9002@1', '127.0.0.9:9009@1'], 'nothing removed');
    const s = status('dns:_lb._tcp.web.test');
    assert.match(s.error ?? '', /ECONNREFUSED|ETIMEOUT/);
    assert.ok(s.staleForMs !== undefined && s.ageMs !== undefined && s.ageMs >= s.staleForMs, JSON.stringify(s));
    const staleLines = lines().filter((l) => /is stale/.test(String(l.msg)));
    assert.equal(staleLines.length, 2, 'one line per source going stale, not one per retry');
    const text = await registry.metrics();
    assert.match(text, /lb_discovery_stale\{pool="web",source="dns:_lb\._tcp\.web\.test"\} 1/);
    assert.match(text, /lb_discovery_errors_total\{pool="web",source="etcd:\/services\/web\/"\} [1-9]/);
    assert.match(text, /lb_discovery_targets\{pool="web",source="etcd:\/services\/web\/"\} 1/);

    // back: caught up, one line each
    await etcd.members[0]!.start();
    await dns.set({ srv: [['_lb._tcp.web.test', 'b1.web.test', 9001, 1, 7]], hosts: { 'b1.web.test': ['127.0.0.1'] } });
    await etcdctl(etcd.endpoints, 'put', '/services/web/127.0.0.3:9003', '');
    await eventually(() => ids().length === 4 && ids()[0] === '127.0.0.1:9001@7', 15_000, 'caught up');
    await eventually(() => discovery.status().every((x) => x.state === 'ok'), 5000, 'both ok');
    assert.equal(lines().filter((l) => /answers again/.test(String(l.msg))).length, 2);
    assert.match(await registry.metrics(), /lb_discovery_stale\{pool="web",source="dns:_lb\._tcp\.web\.test"\} 0/);
  } finally {
    await discovery.stop();
    client.close();
    await dns.close();
    await etcd.close();
  }
});
