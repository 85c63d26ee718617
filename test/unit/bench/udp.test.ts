import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUdpGoal } from '../../../src/bench/bar.js';
import { dnsQuery, quantile } from '../../../src/bench/dns-load.js';
import { nginxStreamConfig } from '../../../src/bench/peer-configs.js';
import { parseOptions } from '../../../src/bench/options.js';
import { Results } from '../../../src/bench/results.js';
import { UDP_SESSION_LABELS, udpFigures } from '../../../src/bench/workloads-udp.js';

const base = { port: 9000, backends: [9001, 9002], maxConn: 2064, nofile: 20_000 };

test('nginx stream for UDP: listen udp, sessions kept until idle for 30 s like ours, no backlog', () => {
  const c = nginxStreamConfig({
    ...base,
    accessLog: true,
    dir: '/d',
    streamModule: undefined,
    asRoot: true,
    udp: true,
  });
  assert.match(c, /listen 127\.0\.0\.1:9000 udp;/);
  assert.match(c, /proxy_timeout 30s;/);
  assert.doesNotMatch(c, /proxy_responses/, 'a session lasts until idle, not until N replies');
  assert.doesNotMatch(c, /backlog/);
  assert.match(c, /worker_connections 4192;/, 'a client side and an upstream side per session');
  const tcp = nginxStreamConfig({ ...base, accessLog: true, dir: '/d', streamModule: undefined, asRoot: true });
  assert.match(tcp, /listen 127\.0\.0\.1:9000 backlog=4096;/);
  assert.match(tcp, /proxy_timeout 1h;/);
});

test('bench --workloads udp is known; a DNS query carries its id', () => {
  assert.deepEqual(parseOptions(['--quick', '--workloads', 'udp'], {}, 2).workloads, ['udp']);
  const q = dnsQuery('www.bench', 0x1234);
  assert.equal(q.readUInt16BE(0), 0x1234);
  assert.equal(q.readUInt16BE(4), 1, 'one question');
  assert.ok(q.subarray(12).equals(Buffer.from('\x03www\x05bench\x00\x00\x01\x00\x01', 'latin1')));
});

test('quantiles of latencies', () => {
  const xs = Float64Array.from([5, 1, 4, 2, 3, 6, 7, 8, 9, 100]);
  assert.equal(quantile(xs, 0.5), 6);
  assert.equal(quantile(xs, 0.99), 100);
  assert.ok(Number.isNaN(quantile(new Float64Array(0), 0.5)));
});

test('UDP figures: answered queries per second, CPU per datagram both ways, loss, latency', () => {
  const r = { seconds: 2, sent: 1000, answered: 990, lost: 10, p50Us: 80, p99Us: 400, inFlightAtEnd: 64 };
  const f = Object.fromEntries(udpFigures(r, 0.0199, true, '1 session').map((x) => [x.metric, x.value]));
  assert.equal(f['queries/s, 1 session'], 495);
  assert.ok(Math.abs(f['CPU per datagram, 1 session']! - 10) < 1e-9, 'CPU over 1990 datagrams');
  assert.equal(f['loss, 1 session'], 1);
  assert.equal(f['p99 latency, 1 session'], 400);
  const direct = udpFigures({ ...r, p50Us: NaN, p99Us: NaN }, 0, false, 'x').map((x) => x.metric);
  assert.deepEqual(direct, ['queries/s, x', 'loss, x'], 'no CPU figure without a proxy, no latency without replies');
});

test('the UDP goal: our CPU per datagram at most nginx’s, for each number of sessions', () => {
  const r = new Results();
  const [one, many] = UDP_SESSION_LABELS;
  r.add('udp', 'nginx', [
    { metric: `CPU per datagram, ${one}`, unit: 'µs', better: 'lower', value: 10 },
    { metric: `CPU per datagram, ${many}`, unit: 'µs', better: 'lower', value: 10 },
  ]);
  r.add('udp', 'lb', [
    { metric: `CPU per datagram, ${one}`, unit: 'µs', better: 'lower', value: 8 },
    { metric: `CPU per datagram, ${many}`, unit: 'µs', better: 'lower', value: 15 },
  ]);
  const checks = checkUdpGoal(r, 'lb', UDP_SESSION_LABELS);
  assert.deepEqual(
    checks.map((c) => [c.met, c.measured]),
    [
      [true, "0.80x nginx's CPU per datagram"],
      [false, "1.50x nginx's CPU per datagram"],
    ],
  );
  assert.equal(checkUdpGoal(new Results(), 'lb', [one])[0]!.met, undefined, 'not measured: not judged');
});
