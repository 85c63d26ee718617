import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startCli, type RunningCli } from '../../helpers/cli.js';
import { requireProgram } from '../../helpers/programs.js';
import { eventually } from '../../helpers/net.js';
import { startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq.js';
import { clientOf, dig, dnsQuery, firstA, startUdpLb, UDP_READY, UdpClient, udpRelayArgs } from '../../helpers/udp.js';

/** Two dnsmasq answering www.lb.test differently, and the load balancer (`--udp`) in front. */
async function dnsPair(t: TestContext, healthInterval: string) {
  const stops: (() => Promise<unknown>)[] = [];
  t.after(() => Promise.all(stops.map((s) => s())));
  const a: Dnsmasq = await startDnsmasq('lb.test', { hosts: { 'www.lb.test': ['10.0.0.1'] } });
  stops.push(() => a.close());
  const b: Dnsmasq = await startDnsmasq('lb.test', { hosts: { 'www.lb.test': ['10.0.0.2'] } });
  stops.push(() => b.close());
  const backends = `127.0.0.1:${a.port},127.0.0.1:${b.port}`;
  const args = ['0', '--udp', '--host', '127.0.0.1', '-b', backends, '--log-format', 'json', ...udpRelayArgs()];
  const lb: RunningCli = await startCli([...args, '--health-interval', healthInterval], { ready: UDP_READY });
  stops.push(() => lb.stop());
  return { a, b, lb, stops };
}

test('dig through the UDP load balancer reaches both dnsmasq targets; many clients each get their own replies', async (t) => {
  if (!requireProgram(t, 'dnsmasq', 'dnsmasq-base') || !requireProgram(t, 'dig', 'bind9-dnsutils')) return;
  const { lb, stops } = await dnsPair(t, '1s');

  // dig: a new source port per run, so a new session, round-robin over the two resolvers
  const answers = new Set<string>();
  for (let i = 0; i < 6; i++) answers.add(await dig(lb.port, 'www.lb.test'));
  assert.deepEqual([...answers].sort(), ['10.0.0.1', '10.0.0.2']);

  // 40 clients x 25 queries, in flight 5 at a time per client: every reply is one of the
  // client's own queries (by DNS id), and one client's replies all come from one target.
  const clients = Array.from({ length: 40 }, () => new UdpClient(lb.port));
  stops.push(() => Promise.all(clients.map((c) => c.close())));
  const perClient = 25;
  let sent = 0;
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let w = 0; w < perClient; w += 5) {
        for (let k = w; k < w + 5; k++) {
          c.send(dnsQuery('www.lb.test', ci * 1000 + k));
          sent++;
        }
        await c.waitFor(w + 5, 5000).catch(() => undefined); // a lost datagram is counted below
      }
    }),
  );
  let received = 0;
  for (const [ci, c] of clients.entries()) {
    received += c.replies.length;
    const ids = c.replies.map((r) => r.readUInt16BE(0));
    for (const id of ids) assert.ok(id >= ci * 1000 && id < ci * 1000 + perClient, `client ${ci} got reply ${id}`);
    assert.equal(new Set(ids).size, ids.length, 'no reply twice');
    assert.equal(new Set(c.replies.map(firstA)).size, 1, `client ${ci} stayed on one target`);
  }
  const loss = 1 - received / sent;
  t.diagnostic(`${sent} queries, ${received} replies, loss ${(loss * 100).toFixed(2)}%`);
  assert.ok(loss <= 0.02, `loss ${(loss * 100).toFixed(2)}%`);
  const targets = new Set(clients.map((c) => firstA(c.replies[0]!)));
  assert.equal(targets.size, 2, 'clients spread over both targets');
});

test('a target killed: its sessions move to the other on their next datagram; dig keeps answering', async (t) => {
  if (!requireProgram(t, 'dnsmasq', 'dnsmasq-base') || !requireProgram(t, 'dig', 'bind9-dnsutils')) return;
  const { a, b, lb, stops } = await dnsPair(t, '0');
  const clients = [new UdpClient(lb.port), new UdpClient(lb.port)];
  stops.push(() => Promise.all(clients.map((c) => c.close())));
  const first = await Promise.all(clients.map((c, i) => c.request(dnsQuery('www.lb.test', i))));
  const onB = clients[first.findIndex((r) => firstA(r) === '10.0.0.2')]!;
  assert.ok(onB, 'one client on each target');
  await b.stop();
  // The first datagram after the kill meets ICMP port unreachable (a passive failure); a resend moves.
  const moved = await eventually(
    async () => {
      const r = await onB.request(dnsQuery('www.lb.test', 7), 1000).catch(() => undefined);
      return r && firstA(r);
    },
    20_000,
    'the session to move',
  );
  assert.equal(moved, '10.0.0.1');
  assert.equal(await dig(lb.port, 'www.lb.test'), '10.0.0.1');
  await lb.stop();
  const ended = lb.logs().filter((l) => l.msg === 'udp session ended');
  const end = ended.find((l) => (l.access as { moves: number }).moves === 1);
  assert.ok(end, 'the moved session is logged with moves: 1');
  assert.equal((end.access as { target: string }).target, `127.0.0.1:${a.port}`);
});

test('a UDP pool checked with `type: tcp` (dnsmasq also listens on TCP): stopped, DOWN by its checks; back, UP; source-hash keeps the clients of one address on one target', async (t) => {
  if (!requireProgram(t, 'dnsmasq', 'dnsmasq-base')) return;
  const servers = await Promise.all(
    ['10.0.0.1', '10.0.0.2'].map((ip) => startDnsmasq('lb.test', { hosts: { 'www.lb.test': [ip] } })),
  );
  t.after(() => Promise.all(servers.map((s) => s.close())));
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'resolvers' } },
    pools: {
      resolvers: {
        algorithm: 'source-hash',
        targets: servers.map((s) => s.server),
        healthCheck: { type: 'tcp', interval: '500ms', timeout: '500ms', rise: 1, fall: 1 },
      },
    },
  });
  t.after(() => lb.stop());
  const health = (address: string, want: string) =>
    eventually(
      async () => {
        const x = (await lb.status()).pools[0]!.targets.find((y) => y.address === address);
        return x?.health === want ? x : undefined;
      },
      20_000,
      `${address} ${want}`,
    );
  for (const s of servers) await health(s.server, 'healthy');

  // Every client is 127.0.0.1 (another source port each, so another session): one target for all.
  const answers = new Set<string | undefined>();
  for (let i = 0; i < 8; i++)
    answers.add(firstA(await clientOf(t, lb.ports.get('dns')!).request(dnsQuery('www.lb.test', i))));
  assert.equal(answers.size, 1, `one target for one client address: ${[...answers].join(', ')}`);

  const [x] = servers;
  await x!.stop();
  const down = await health(x!.server, 'unhealthy');
  assert.match(down.lastChange!.cause, /after 1 failed check: /, 'DOWN by its TCP check, no traffic was sent');
  await x!.set({ hosts: { 'www.lb.test': ['10.0.0.1'] } }); // the same port again
  const up = await health(x!.server, 'healthy');
  assert.match(up.lastChange!.cause, /after 1 successful check/);
});
