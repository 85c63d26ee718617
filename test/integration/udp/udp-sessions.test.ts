import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { startCli, type RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { eventually } from '../../helpers/net.js';
import { clientOf, UDP_READY, udpEcho, withUdpRelay, type UdpPeer } from '../../helpers/udp.js';
import { V2_SIGNATURE } from '../../../src/protocol/proxy-protocol/types.js';
import { decodeV2 } from '../../../src/protocol/proxy-protocol/decode-v2.js';

interface Stack {
  readonly lb: RunningCli;
  readonly admin: string;
  readonly targets: UdpPeer[];
  readonly write: (config: unknown) => void;
  readonly config: (targets: readonly UdpPeer[], pool?: object, listener?: object) => unknown;
}

/** Echo targets (named, or exact echo with ''), and the load balancer from a config file with an admin API. */
async function stack(t: TestContext, names: string[], pool: object = {}, listener: object = {}): Promise<Stack> {
  const targets = await Promise.all(names.map((n) => udpEcho(n)));
  const dir = configDir();
  const config = (ts: readonly UdpPeer[], p = pool, l = listener): unknown =>
    withUdpRelay({
      listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'echo', ...l } },
      pools: {
        echo: {
          targets: ts.map((x) => `127.0.0.1:${x.port}`),
          idleTimeout: '30s',
          healthCheck: { type: 'none' },
          ...p,
        },
      },
      admin: { bind: '127.0.0.1:0' },
      log: { format: 'json' },
    });
  const file = dir.write('lb.yaml', config(targets));
  const lb = await startCli(['--config', file], { ready: UDP_READY });
  t.after(async () => {
    await lb.stop();
    await Promise.all(targets.map((x) => x.close()));
    dir.remove();
  });
  const admin = /Admin API listening on (\S+)/.exec(lb.stdout())![1]!;
  return { lb, admin, targets, write: (c) => dir.replace('lb.yaml', c), config };
}

const metrics = async (admin: string): Promise<string> => (await fetch(`${admin}/metrics`)).text();

test('60,000-byte datagrams go through whole, one reply per datagram, never merged or split', async (t) => {
  const s = await stack(t, ['']);
  const c = clientOf(t, s.lb.port);
  const sent = Array.from({ length: 8 }, (_, i) => Buffer.alloc(60_000, i + 1));
  // One at a time: a burst of them would overflow the peers' default receive buffers (208 KiB).
  for (const d of sent) await c.request(d, 20_000);
  const got = c.replies;
  assert.equal(got.length, sent.length);
  for (const r of got) {
    assert.equal(r.length, 60_000);
    assert.ok(
      sent.some((d) => d.equals(r)),
      'a reply is one whole datagram',
    );
  }
  assert.deepEqual(
    s.targets[0]!.received.map((r) => r.length),
    sent.map(() => 60_000),
  );
});

test('idle expiry: a session ends after idleTimeout without a datagram, logged with its counts; the next datagram starts a new one', async (t) => {
  const s = await stack(t, ['a'], { idleTimeout: '300ms' });
  const c = clientOf(t, s.lb.port);
  assert.equal((await c.request('one')).toString(), 'a:one');
  assert.equal((await c.request('two')).toString(), 'a:two');
  const end = await eventually(
    () => s.lb.logs().find((l) => l.msg === 'udp session ended'),
    10_000,
    'the session to expire',
  );
  const access = end.access as Record<string, unknown>;
  assert.equal(access.reason, 'idle_timeout');
  assert.equal(access.datagramsFromClient, 2);
  assert.equal(access.datagramsToClient, 2);
  assert.equal(access.bytesFromClient, 6);
  assert.equal(access.bytesToClient, 10);
  assert.equal(access.target, `127.0.0.1:${s.targets[0]!.port}`);
  assert.equal(typeof access.durationMs, 'number');
  assert.equal((await c.request('three')).toString(), 'a:three');
  assert.equal(s.targets[0]!.sources.size, 2, 'a new upstream socket for the new session');
  const text = await metrics(s.admin);
  assert.match(text, /lb_listener_udp_sessions_total\{listener="dns"\} 2/);
  assert.match(text, /lb_listener_received_datagrams_total\{listener="dns"\} 3/);
  assert.match(text, /lb_listener_sent_datagrams_total\{listener="dns"\} 3/);
  assert.match(text, /lb_listener_received_bytes_total\{listener="dns"\} 11/);
  assert.match(
    text,
    new RegExp(`lb_target_udp_sessions_total\\{pool="echo",target="127.0.0.1:${s.targets[0]!.port}"\\} 2`),
  );
  const status = (await (await fetch(`${s.admin}/api/status`)).json()) as {
    udpListeners: { name: string; activeSessions: number; totalSessions: number; datagramsFromClient: number }[];
  };
  assert.equal(status.udpListeners[0]!.name, 'dns');
  assert.equal(status.udpListeners[0]!.totalSessions, 2);
  // The third session may have expired already (300 ms idle, a loaded machine): never more than it.
  assert.ok(status.udpListeners[0]!.activeSessions <= 1, `${status.udpListeners[0]!.activeSessions} active`);
  assert.equal(status.udpListeners[0]!.datagramsFromClient, 3);
});

test('PROXY v2 over UDP: every datagram to the target starts with a v2 DGRAM header naming the client', async (t) => {
  const s = await stack(t, [''], { proxyProtocol: 'v2' });
  const c = clientOf(t, s.lb.port);
  await c.request('hello');
  await c.request('again');
  const clientPort = c.sock.address().port;
  for (const [i, d] of s.targets[0]!.received.entries()) {
    assert.ok(d.subarray(0, 12).equals(V2_SIGNATURE), 'v2 signature');
    assert.equal(d[12], 0x21, 'version 2, PROXY');
    assert.equal(d[13], 0x12, 'AF_INET, DGRAM');
    assert.equal(d.readUInt16BE(14), 12, 'IPv4 address block');
    assert.deepEqual([...d.subarray(16, 20)], [127, 0, 0, 1], 'source address');
    assert.equal(d.readUInt16BE(24), clientPort, 'source port: the client');
    assert.equal(d.readUInt16BE(26), s.lb.port, 'destination port: the listener');
    const h = decodeV2(d);
    assert.equal(h.status, 'ok');
    assert.equal(d.subarray(28).toString(), i === 0 ? 'hello' : 'again', 'then the datagram itself');
  }
});

test('limits: sessions per client address, allow/deny; refused datagrams are dropped and counted by reason', async (t) => {
  const s = await stack(t, ['a'], {}, { maxConnectionsPerClient: 2, deny: ['127.0.0.2'] });
  const [c1, c2, c3] = [clientOf(t, s.lb.port), clientOf(t, s.lb.port), clientOf(t, s.lb.port)];
  assert.equal((await c1.request('1')).toString(), 'a:1');
  assert.equal((await c2.request('2')).toString(), 'a:2');
  c3.send('3');
  c3.send('3');
  const denied = createSocket('udp4');
  t.after(() => denied.close());
  denied.bind(0, '127.0.0.2');
  await once(denied, 'listening');
  denied.send('x', s.lb.port, '127.0.0.1');
  const text = await eventually(async () => {
    const m = await metrics(s.admin);
    return /reason="denied"\} 1/.test(m) && /reason="max_sessions_per_client"\} 2/.test(m) ? m : undefined;
  }, 10_000);
  assert.match(text, /lb_listener_dropped_datagrams_total\{listener="dns",reason="max_sessions_per_client"\} 2/);
  assert.match(text, /lb_listener_dropped_datagrams_total\{listener="dns",reason="denied"\} 1/);
  assert.equal(c3.replies.length, 0);
  assert.equal((await c1.request('again')).toString(), 'a:again', 'admitted sessions keep going');
});

test("reload: a removed target's session moves on its next datagram; a new target gets new sessions", async (t) => {
  const s = await stack(t, ['a', 'b']);
  const c1 = clientOf(t, s.lb.port);
  const c2 = clientOf(t, s.lb.port);
  const first = [(await c1.request('x')).toString(), (await c2.request('x')).toString()].sort();
  assert.deepEqual(first, ['a:x', 'b:x']);
  const onB = (await c1.request('y')).toString() === 'b:y' ? c1 : c2;
  const extra = await udpEcho('c');
  t.after(() => extra.close());
  s.write(s.config([s.targets[0]!, extra]));
  s.lb.proc.kill('SIGHUP');
  await eventually(() => /config version 2 applied/.test(s.lb.stdout()), 10_000, 'the reload');
  const moved = (await onB.request('z')).toString();
  assert.ok(moved === 'a:z' || moved === 'c:z', `moved to a kept or new target (${moved})`);
  const c3 = clientOf(t, s.lb.port);
  const c4 = clientOf(t, s.lb.port);
  const fresh = [(await c3.request('n')).toString(), (await c4.request('n')).toString()];
  assert.ok(!fresh.some((r) => r.startsWith('b:')), 'no new session on the removed target');
});
