import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyConfig, nginxBackendConfig, nginxStreamConfig } from '../../../src/bench/peer-configs.js';
import { parseOptions } from '../../../src/bench/options.js';

const base = { port: 9000, backends: [9001, 9002], maxConn: 10_064, nofile: 20_000 };

test('HAProxy: tcp mode, one thread, round-robin over every backend, log only when asked', () => {
  const on = haproxyConfig({ ...base, accessLog: true });
  for (const s of ['mode tcp', 'nbthread 1', 'balance roundrobin', 'bind 127.0.0.1:9000', 'maxconn 10064'])
    assert.ok(on.includes(s), s);
  assert.match(on, /server s1 127\.0\.0\.1:9001\n\s+server s2 127\.0\.0\.1:9002/);
  assert.match(on, /option tcplog/);
  assert.doesNotMatch(haproxyConfig({ ...base, accessLog: false }), /\blog\b/);
  assert.match(haproxyConfig({ ...base, accessLog: true }), /^ {2}nbthread 1$/m);
  assert.match(
    haproxyConfig({ ...base, accessLog: true, threads: 2 }),
    /^ {2}nbthread 2$/m,
    'bench --workers 2: HAProxy nbthread 2',
  );
});

test('nginx stream: the same upstreams, one worker, enough connections for both sides', () => {
  const c = nginxStreamConfig({ ...base, accessLog: false, dir: '/tmp/x', streamModule: '/m.so', asRoot: false });
  assert.match(c, /^load_module \/m\.so;/);
  assert.match(c, /upstream pool \{\n\s+server 127\.0\.0\.1:9001;\n\s+server 127\.0\.0\.1:9002;/);
  assert.match(c, /worker_processes 1;/);
  assert.match(c, /worker_connections 19968;/); // 2 per proxied connection, capped by the file limit
  assert.match(c, /access_log off;/);
  assert.doesNotMatch(c, /user root/);
});

test('nginx backend: a tiny 200 on every port and the large file', () => {
  const c = nginxBackendConfig({ dir: '/d', ports: [1, 2], bigFile: '/d/big', nofile: 4096, asRoot: true });
  assert.match(c, /listen 127\.0\.0\.1:1 backlog=4096;\n\s+listen 127\.0\.0\.1:2 backlog=4096;/);
  assert.match(c, /return 200/);
  assert.match(c, /alias \/d\/big;/);
  assert.match(c, /user root;/);
});

test('bench options: --quick is short, lists are checked, --node repeats, env gives nodes', () => {
  const q = parseOptions(['--quick'], {}, 2);
  assert.deepEqual([q.runs, q.timing.seconds, q.timing.idleConnections, q.proxyCpu, q.loadCpu], [1, 1, 200, 0, 1]);
  const full = parseOptions(
    ['--node', '/a', '--node', '/b', '--lb', 'old=/x/main.js', '--lb', 'accept=/y/main.js --native-accept'],
    {},
    1,
  );
  assert.deepEqual(full.nodes, ['/a', '/b']);
  assert.deepEqual(full.mains, [
    { name: 'old', path: '/x/main.js', args: [] },
    { name: 'accept', path: '/y/main.js', args: ['--native-accept'] },
  ]);
  assert.equal(full.proxyCpu, undefined, 'no pinning on one CPU');
  assert.deepEqual(parseOptions([], { LB_BENCH_NODE: '/n1:/n2' }, 2).nodes, ['/n1', '/n2']);
  assert.throws(() => parseOptions(['--workloads', 'conn,nope'], {}, 2), /unknown "nope"/);
  assert.throws(() => parseOptions(['--runs', 'x'], {}, 2), /--runs/);
});
