import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/net.js';
import { nodeBinary, nodeCacheDir } from '../../helpers/node-versions.js';
import { series } from '../../helpers/prom-text.js';
import { freeUdpPort, UdpClient, udpEcho, udpRelayArgs } from '../../helpers/udp.js';

// --workers N with UDP (src/udp/udp-workers.ts). node:cluster shares one dgram socket between the
// workers, and the kernel would hand one client's datagrams to either: so only worker 1 binds
// UDP. With LB_CLUSTER_ACCEPT=reuseport (Node >= 22.12) every worker binds with SO_REUSEPORT and
// the kernel keeps a client address:port on one worker. Either way a client is one session.

const CLIENTS = 24;
const PER_CLIENT = 10;

async function clusterRun(t: TestContext, opts: { node?: string; env?: NodeJS.ProcessEnv }) {
  const a = await udpEcho('a');
  const b = await udpEcho('b');
  t.after(() => Promise.all([a.close(), b.close()]));
  const port = await freeUdpPort(); // workers bind the same port: it must be a fixed one
  const args = [String(port), '--udp', '--host', '127.0.0.1', '-b', `127.0.0.1:${a.port},127.0.0.1:${b.port}`];
  const extra = ['--health-interval', '0', '--log-format', 'json', ...udpRelayArgs()];
  const lb = await startCli([...args, ...extra, '--workers', '2', '--admin', '127.0.0.1:0'], {
    // a cluster primary binds no UDP socket: the admin line is its banner
    ready: /Admin API listening on http:\/\/127\.0\.0\.1:(\d+)/,
    timeoutMs: 90_000,
    ...opts,
  });
  t.after(() => lb.stop());
  const admin = `http://127.0.0.1:${lb.port}`;
  // The workers bind after the primary's banner: wait until both run (with SO_REUSEPORT, a
  // worker binding late would change which socket the kernel hashes a client to).
  await eventually(
    async () => {
      const s = (await (await fetch(`${admin}/api/status`)).json()) as { workers: { state: string }[] };
      return s.workers.length === 2 && s.workers.every((w) => w.state === 'running');
    },
    60_000,
    'both workers running',
  );
  const first = new UdpClient(port);
  t.after(() => first.close());
  await eventually(() => first.request('hello', 500).catch(() => undefined), 60_000, 'UDP served by a worker');

  const clients = Array.from({ length: CLIENTS }, () => new UdpClient(port));
  t.after(() => Promise.all(clients.map((c) => c.close())));
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let k = 0; k < PER_CLIENT; k++) {
        const r = (await c.request(`${ci}.${k}`)).toString();
        assert.match(r, new RegExp(`^[ab]:${ci}\\.${k}$`), `client ${ci} got its own reply`);
      }
    }),
  );
  for (const [ci, c] of clients.entries())
    assert.equal(new Set(c.replies.map((r) => r.toString()[0])).size, 1, `client ${ci} stayed on one target`);
  // One upstream socket per client: a client whose datagrams reached two workers would have two.
  assert.equal(a.sources.size + b.sources.size, CLIENTS + 1, 'one session per client');
  const metrics = await (await fetch(`${admin}/metrics`)).text();
  assert.equal(series(metrics, 'lb_listener_udp_sessions_total{listener="main"}'), CLIENTS + 1);
  // At the stop every session ends: their access lines tell which worker served each.
  assert.equal(await lb.stop(), 0);
  const ended = lb.logs().filter((l) => l.msg === 'udp session ended');
  assert.equal(ended.length, CLIENTS + 1, 'an access line per session');
  return new Set(ended.map((l) => l.worker as number));
}

test('--workers 2 (node:cluster): worker 1 alone serves UDP, each client one session', async (t) => {
  const workers = await clusterRun(t, {});
  assert.deepEqual([...workers], [1]);
});

test('--workers 2 with SO_REUSEPORT on Node 24: both workers serve UDP, each client one session on one worker', async (t) => {
  const node = nodeBinary(24);
  if (!node) {
    const why = `no Node 24 binary in ${nodeCacheDir()} (.ci/run installs it)`;
    if (process.env.CI === 'true') assert.fail(why);
    t.skip(`SKIPPED: ${why}`);
    return;
  }
  const workers = await clusterRun(t, { node, env: { LB_CLUSTER_ACCEPT: 'reuseport' } });
  assert.deepEqual(
    [...workers].sort((x, y) => x - y),
    [1, 2],
    'the kernel spread the clients over both workers',
  );
});
