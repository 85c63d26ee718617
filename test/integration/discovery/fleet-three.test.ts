import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { adminUrlOf, startCli, type RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { startEtcd } from '../../helpers/etcd.js';
import { http } from '../../helpers/http.js';
import { eventually, exchange, freePort, nameServer, type TestServer } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';
import { trafficPid } from '../../helpers/supervised.js';

// Three load balancer processes (`node dist/main.js -c FILE`) in one fleet on a three-member
// etcd: what the operator of three nodes sees through their admin APIs and their traffic.

interface TargetView {
  address: string;
  admin: string;
  health: string;
  fleetHealth?: Record<string, string>;
}
interface NodesView {
  nodes: { name: string; adminUrl: string; configDiffers: boolean }[];
  sameConfig: boolean;
  configHashes: Record<string, string[]>;
}

async function get<T>(lb: RunningCli, path: string): Promise<T> {
  const r = await http(`${adminUrlOf(lb)}${path}`);
  assert.equal(r.status, 200, r.text);
  return r.json as T;
}
const targetOf = async (lb: RunningCli, address: string): Promise<TargetView | undefined> =>
  (await get<{ pools: { targets: TargetView[] }[] }>(lb, '/api/status')).pools[0]!.targets.find(
    (t) => t.address === address,
  );
const nodeNames = async (lb: RunningCli): Promise<string> =>
  (await get<NodesView>(lb, '/api/nodes')).nodes.map((n) => n.name).join();
/** Which backends answer a few connections through `lb`. */
async function served(lb: RunningCli, n = 6): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await exchange(lb.port, '')).toString());
  return [...seen].sort();
}

test('three load balancer processes, one three-member etcd: config hashes compared, the others’ health shown, an admin change on one applied by all, the etcd leader killed, a node that dies leaves with its lease, one whose supervisor is killed leaves at once', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(3);
  const backends: TestServer[] = [await nameServer('s1'), await nameServer('s2'), await nameServer('s3')];
  const [s1, s2, s3] = backends.map((b) => `127.0.0.1:${b.port}`) as [string, string, string];
  const nothing = await freePort(); // a port where nothing listens
  const dir = configDir();
  const lbs: RunningCli[] = [];
  try {
    const file = (name: string, check: Record<string, unknown> = {}) =>
      dir.write(`${name}.yaml`, {
        etcd: { endpoints: etcd.endpoints, timeout: '1s' },
        fleet: { name, ttl: '2s', prefix: '/lbtest3/' },
        listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
        pools: { web: { targets: [s1, s2], healthCheck: { interval: '1s', timeout: '1s', ...check } } },
        admin: { bind: '127.0.0.1:0' },
      });
    // lb-3 checks a port where nothing listens: its config differs, and so does its view of health
    const files = [file('lb-1'), file('lb-2'), file('lb-3', { port: nothing })];
    const started = await Promise.allSettled(files.map((f) => startCli(['-c', f, '--log-format', 'json'])));
    for (const s of started) if (s.status === 'fulfilled') lbs.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [a, b, c] = lbs as [RunningCli, RunningCli, RunningCli];

    // every node lists the three; the config that differs is flagged, from either side
    for (const lb of lbs)
      await eventually(async () => (await nodeNames(lb)) === 'lb-1,lb-2,lb-3', 30_000, 'three nodes listed');
    const fromA = await get<NodesView>(a, '/api/nodes');
    assert.deepEqual(
      fromA.nodes.map((n) => [n.name, n.adminUrl, n.configDiffers]),
      [
        ['lb-1', adminUrlOf(a), false],
        ['lb-2', adminUrlOf(b), false],
        ['lb-3', adminUrlOf(c), true],
      ],
    );
    assert.equal(fromA.sameConfig, false);
    assert.deepEqual(Object.values(fromA.configHashes).map(String).sort(), ['lb-1,lb-2', 'lb-3']);
    const fromC = await get<NodesView>(c, '/api/nodes');
    assert.deepEqual(
      fromC.nodes.map((n) => n.configDiffers),
      [true, true, false],
    );

    // health stays each node's own; /api/status shows what the others' checks say
    await eventually(
      async () => {
        const v = await targetOf(a, s1);
        assert.deepEqual([v?.health, v?.fleetHealth], ['healthy', { 'lb-2': 'healthy', 'lb-3': 'unhealthy' }]);
        return true;
      },
      30_000,
      "lb-1's status shows lb-2's and lb-3's view of s1",
    );
    assert.deepEqual((await targetOf(a, s1))?.fleetHealth, { 'lb-2': 'healthy', 'lb-3': 'unhealthy' });
    // each node's view reaches lb-3 when that node writes it: wait for both, not one
    await eventually(
      async () => {
        const v = await targetOf(c, s1);
        assert.deepEqual(v?.fleetHealth, { 'lb-1': 'healthy', 'lb-2': 'healthy' });
        return true;
      },
      30_000,
      "lb-3's status shows lb-1's and lb-2's view of s1",
    );
    const onC = await targetOf(c, s1);
    assert.equal(onC?.health, 'unhealthy', "lb-3's own checks decide its health");
    assert.deepEqual(onC?.fleetHealth, { 'lb-1': 'healthy', 'lb-2': 'healthy' });

    // an admin change made on lb-2 is applied by lb-1 and lb-3, and their traffic follows
    const drain = await http(`${adminUrlOf(b)}/api/pools/web/targets/${s1}`, {
      method: 'PATCH',
      body: '{"state":"drain"}',
    });
    assert.equal(drain.status, 200, drain.text);
    await eventually(
      async () => (await targetOf(a, s1))?.admin === 'drain' && (await targetOf(c, s1))?.admin === 'drain',
      30_000,
      'the drain made on lb-2 on lb-1 and lb-3',
    );
    for (const lb of lbs) assert.deepEqual(await served(lb), ['s2'], 'a drained target gets no new connections');

    // the etcd leader killed: the two other members keep the quorum, a target added on lb-3 reaches all
    const leader = await etcd.leader();
    await leader.stop(0);
    const add = await http(`${adminUrlOf(c)}/api/pools/web/targets`, {
      method: 'POST',
      body: JSON.stringify({ address: s3 }),
    });
    assert.equal(add.status, 201, add.text);
    await eventually(
      async () => (await targetOf(a, s3)) !== undefined && (await targetOf(b, s3)) !== undefined,
      30_000,
      'the target added on lb-3 on lb-1 and lb-2 with the leader gone',
    );
    await eventually(async () => (await served(a)).join() === 's2,s3', 30_000, 'lb-1 sends traffic to it');

    // lb-3 dies (no goodbye): the others drop it when its lease (2 s) runs out, and its health view with it
    // The program dies, not its supervisor: SIGKILL to the process that carries lb-3's traffic,
    // the generation; the supervisor then exits too, with nobody left to say goodbye.
    process.kill(trafficPid(c.proc.pid!), 'SIGKILL');
    await c.exited;
    const died = Date.now();
    for (const lb of [a, b])
      await eventually(async () => (await nodeNames(lb)) === 'lb-1,lb-2', 30_000, 'lb-3 gone with its lease');
    assert.ok(Date.now() - died >= 500, 'not before its lease ran out');
    const after = await get<NodesView>(b, '/api/nodes');
    assert.equal(after.sameConfig, true, 'lb-1 and lb-2 run the same config');
    assert.deepEqual((await targetOf(b, s1))?.fleetHealth, { 'lb-1': 'healthy' });

    // lb-3 started again: it joins with the fleet's current state (s1 drained on lb-2, s3 added on
    // lb-3 before it died; its own file names neither change) and the others list it again
    const again = await startCli(['-c', files[2]!, '--log-format', 'json']);
    lbs.push(again);
    await eventually(
      async () => (await targetOf(again, s1))?.admin === 'drain' && (await targetOf(again, s3)) !== undefined,
      30_000,
      "the fleet's state on the node that joined",
    );
    assert.ok(!(await served(again)).includes('s1'), 'the drained target gets no new connections there');
    for (const lb of [a, b])
      await eventually(async () => (await nodeNames(lb)) === 'lb-1,lb-2,lb-3', 30_000, 'lb-3 listed again');

    // lb-3's supervisor (the started process) SIGKILLed this time: its generation sees its parent
    // gone, drains (nothing open), leaves the fleet with a goodbye (its lease revoked) and exits.
    const generation = trafficPid(again.proc.pid!);
    again.proc.kill('SIGKILL');
    await again.exited;
    await eventually(() => !existsSync(`/proc/${generation}`), 30_000, "lb-3's generation exited");
    assert.match(again.stdout(), /the supervisor is gone: draining connections/);
    assert.match(again.stdout(), /"msg":"stopped"/, 'a clean stop: the fleet left, the lease revoked');
    for (const lb of [a, b])
      await eventually(async () => (await nodeNames(lb)) === 'lb-1,lb-2', 30_000, 'lb-3 gone once more');
  } finally {
    await Promise.all(lbs.map((lb) => lb.stop()));
    await Promise.all(backends.map((s) => s.close()));
    dir.remove();
    await etcd.close();
  }
});
