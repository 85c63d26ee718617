import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminUrlOf, startCli, type RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { startEtcd, etcdctl } from '../../helpers/etcd.js';
import { http } from '../../helpers/http.js';
import { eventually, exchange, nameServer, type TestServer } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

// Load balancer processes in one fleet, a real etcd, real backends: what the operator sees.

const adminOf = adminUrlOf;

interface Status {
  pools: { name: string; targets: { address: string; admin: string; weight: number }[] }[];
  discovery?: { source: string; state: string; error?: string; ageMs?: number; staleForMs?: number }[];
  fleet?: { name: string; state: string };
}
const status = async (lb: RunningCli): Promise<Status> => (await http(`${adminOf(lb)}/api/status`)).json as Status;
const targets = async (lb: RunningCli): Promise<string[]> =>
  (await status(lb)).pools[0]!.targets.map((t) => `${t.address}:${t.admin}`).sort();

test('two nodes and a discovered pool: etcd targets serve, a drain made on one node drains on both within a second, /api/nodes, etcd stopped and restarted under traffic', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const backends: TestServer[] = [await nameServer('s1'), await nameServer('s2'), await nameServer('s3')];
  const [s1, s2, s3] = backends.map((b) => `127.0.0.1:${b.port}`) as [string, string, string];
  const dir = configDir();
  const nodes: RunningCli[] = [];
  try {
    await etcdctl(etcd.endpoints, 'put', `/services/web/${s2}`, '');
    const file = (name: string) =>
      dir.write(`${name}.yaml`, {
        etcd: { endpoints: etcd.endpoints, timeout: '1s' },
        fleet: { name, ttl: '2s', prefix: '/lbtest/' },
        listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
        pools: {
          web: {
            targets: [s1],
            discovery: { etcd: { prefix: '/services/web/' } },
            healthCheck: { interval: '200ms', timeout: '150ms' },
          },
        },
        admin: { bind: '127.0.0.1:0' },
      });
    for (const name of ['lb-1', 'lb-2']) nodes.push(await startCli(['--config', file(name), '--log-format', 'json']));
    const [a, b] = nodes as [RunningCli, RunningCli];
    await eventually(
      async () => (await targets(a)).length === 2 && (await targets(b)).length === 2,
      10_000,
      'static + etcd target on both',
    );
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) served.add((await exchange(b.port, '')).toString());
    assert.deepEqual([...served].sort(), ['s1', 's2'], 'the discovered target serves');

    // a target registered in etcd joins both, well under a second
    await etcdctl(etcd.endpoints, 'put', `/services/web/x`, s3);
    await eventually(async () => (await targets(a)).length === 3 && (await targets(b)).length === 3, 3000, 'put seen');

    // a drain on lb-1 is a drain on lb-2
    const t0 = Date.now();
    const r = await http(`${adminOf(a)}/api/pools/web/targets/${s1}`, { method: 'PATCH', body: '{"state":"drain"}' });
    assert.equal(r.status, 200, r.text);
    await eventually(
      async () => (await targets(b)).includes(`${s1}:drain`),
      1000,
      'drain on the other node within a second',
    );
    assert.ok(Date.now() - t0 < 1000);

    const nodesView = (await http(`${adminOf(b)}/api/nodes`)).json as {
      nodes: { name: string; adminUrl: string; configDiffers: boolean; revision: number }[];
      sameConfig: boolean;
    };
    assert.deepEqual(
      nodesView.nodes.map((n) => n.name),
      ['lb-1', 'lb-2'],
    );
    assert.equal(nodesView.nodes[0]!.adminUrl, adminOf(a));
    // the two files differ only by fleet.name, which the hash leaves out
    assert.equal(nodesView.sameConfig, true, JSON.stringify(nodesView));

    // etcd stopped under traffic: nothing is lost, the sources are shown stale, traffic flows
    await etcd.members[0]!.stop();
    await eventually(async () => (await status(a)).discovery?.[0]?.state === 'stale', 10_000, 'stale');
    const st = await status(a);
    assert.match(st.discovery![0]!.error ?? '', /etcd/);
    assert.ok((st.discovery![0]!.staleForMs ?? -1) >= 0);
    const during = new Set<string>();
    for (let i = 0; i < 8; i++) during.add((await exchange(a.port, '')).toString());
    assert.deepEqual([...during].sort(), ['s2', 's3'], 'the last known targets serve (s1 drained)');
    await etcd.members[0]!.start();
    await etcdctl(etcd.endpoints, 'del', `/services/web/${s2}`);
    await eventually(
      async () => (await targets(a)).length === 2 && (await targets(b)).length === 2,
      15_000,
      'caught up after the restart',
    );
    await eventually(async () => (await status(a)).discovery?.[0]?.state === 'ok', 5000, 'ok again');
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(backends.map((s) => s.close()));
    dir.remove();
    await etcd.close();
  }
});

test('a node started while etcd is down starts with its static targets and serves; it catches up, registers and shares once etcd answers', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const backends: TestServer[] = [await nameServer('s1'), await nameServer('s2')];
  const [s1, s2] = backends.map((b) => `127.0.0.1:${b.port}`) as [string, string];
  const dir = configDir();
  let lb: RunningCli | undefined;
  try {
    await etcdctl(etcd.endpoints, 'put', `/services/web/${s2}`, '');
    await etcd.members[0]!.stop();
    const file = dir.write('lb.yaml', {
      etcd: { endpoints: etcd.endpoints, timeout: '500ms' },
      fleet: { name: 'lb-1', ttl: '2s', prefix: '/lbtest/' },
      listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets: [s1], discovery: { etcd: { prefix: '/services/web/' } } } },
      admin: { bind: '127.0.0.1:0' },
    });
    lb = await startCli(['--config', file, '--log-format', 'json']);
    const running = lb;
    assert.deepEqual(await targets(running), [`${s1}:ready`], 'the static target');
    assert.equal((await exchange(running.port, '')).toString(), 's1', 'serving');
    await eventually(async () => (await status(running)).discovery?.[0]?.state === 'stale', 10_000, 'stale');
    await eventually(async () => (await status(running)).fleet?.state === 'not-sharing', 10_000, 'not sharing');

    await etcd.members[0]!.start();
    await eventually(
      async () => (await targets(running)).join() === [`${s1}:ready`, `${s2}:ready`].sort().join(),
      20_000,
      'the etcd target once etcd answers',
    );
    await eventually(async () => (await status(running)).fleet?.state === 'sharing', 20_000, 'sharing');
    const nodes = (await http(`${adminOf(running)}/api/nodes`)).json as { nodes: { name: string }[] };
    assert.deepEqual(
      nodes.nodes.map((n) => n.name),
      ['lb-1'],
    );
    await eventually(
      async () => (await etcdctl(etcd.endpoints, 'get', '--prefix', '--keys-only', '/lbtest/nodes/')).includes('lb-1'),
      10_000,
      'registered in etcd',
    );
  } finally {
    await lb?.stop();
    await Promise.all(backends.map((s) => s.close()));
    dir.remove();
    await etcd.close();
  }
});
