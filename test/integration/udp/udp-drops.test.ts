import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UDP_DROP_REASONS, type UdpDropReason } from '../../../src/udp/udp-types.js';
import { eventually } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';
import { clientOf, freeUdpPort, peerOf, startUdpLb, type UdpLb } from '../../helpers/udp.js';
import { childPids, descendants, trafficPid } from '../../helpers/supervised.js';

// Every reason a datagram is dropped, raised for real and read back from
// lb_listener_dropped_datagrams_total: a reason that is not counted fails its case, and a reason
// added to UDP_DROP_REASONS without a case here fails the first test.

const run = promisify(execFile);

/** Waits until the listener counted at least `n` drops for `reason`; returns the count. */
const counted = (lb: UdpLb, listener: string, reason: UdpDropReason, n = 1): Promise<number> =>
  eventually(
    async () => {
      const v = await lb.dropped(listener, reason);
      return v >= n ? v : undefined;
    },
    15_000,
    `${n} ${reason} drop(s) on ${listener}`,
  );

/** The reasons raised in one load balancer, one listener each (see `shared` below). */
const SHARED: readonly UdpDropReason[] = [
  'denied',
  'rate_limited',
  'max_sessions',
  'max_sessions_per_client',
  'no_healthy_target',
  'buffer_full',
  'too_large',
  'port_unreachable',
];
/** The two that need a process of their own (descriptor limit; a shutdown). */
const OWN: readonly UdpDropReason[] = ['send_error', 'shutdown'];

test('every drop reason has a case in this file', () => {
  assert.deepEqual([...SHARED, ...OWN].sort(), [...UDP_DROP_REASONS].sort());
});

const listener = (pool: string, extra: object = {}) => ({
  bind: '127.0.0.1:0',
  protocol: 'udp',
  pool,
  ...extra,
});

test('drops by reason, each raised and counted: rules, limits, no target, buffer, size, port unreachable', async (t) => {
  const echo = await peerOf(t, 'e');
  const exact = await peerOf(t, ''); // echoes the datagram as it came, PROXY header included
  const hung = await peerOf(t, 'h');
  hung.mute(true);
  const closed = await freeUdpPort(); // nothing listens: ICMP port unreachable
  const none = { type: 'none' };
  const lb = await startUdpLb({
    listeners: {
      denied: listener('echo', { deny: ['127.0.0.1'] }),
      rate: listener('echo', { rateLimit: { perClient: 0.1, burst: 1 } }),
      max: listener('echo', { maxConnections: 1 }),
      perclient: listener('echo', { maxConnectionsPerClient: 1 }),
      down: listener('hung'),
      budget: listener('named', { maxBufferedBytes: 65_535 }),
      large: listener('proxied'),
      refused: listener('closed'),
    },
    pools: {
      echo: { targets: [`127.0.0.1:${echo.port}`], healthCheck: none },
      // a datagram probe that wants "pong": the muted target fails it and goes DOWN
      hung: {
        targets: [`127.0.0.1:${hung.port}`],
        healthCheck: { type: 'udp', send: 'ping', expect: 'pong', interval: '200ms', timeout: '200ms', fall: 1 },
      },
      // a name: the session's socket waits for the lookup, and datagrams meanwhile for it
      named: { targets: [`localhost:${echo.port}`], healthCheck: none },
      proxied: { targets: [`127.0.0.1:${exact.port}`], proxyProtocol: 'v2', healthCheck: none },
      closed: { targets: [`127.0.0.1:${closed}`], healthCheck: none },
    },
  });
  t.after(() => lb.stop());
  const port = (name: string): number => lb.ports.get(name)!;

  await t.test('denied: a client address the deny rules name', async () => {
    clientOf(t, port('denied')).send('x');
    assert.equal(await counted(lb, 'denied', 'denied'), 1);
  });

  await t.test('rate_limited: a second new session of one address within the rate', async () => {
    const a = clientOf(t, port('rate'));
    assert.equal((await a.request('1')).toString(), 'e:1');
    clientOf(t, port('rate')).send('2'); // another source port of 127.0.0.1: a new session
    assert.equal(await counted(lb, 'rate', 'rate_limited'), 1);
  });

  await t.test('max_sessions: the listener holds maxConnections sessions', async () => {
    assert.equal((await clientOf(t, port('max')).request('1')).toString(), 'e:1');
    const b = clientOf(t, port('max'));
    b.send('2');
    b.send('3');
    assert.equal(await counted(lb, 'max', 'max_sessions', 2), 2);
    assert.equal(b.replies.length, 0);
  });

  await t.test('max_sessions_per_client: the address holds maxConnectionsPerClient sessions', async () => {
    assert.equal((await clientOf(t, port('perclient')).request('1')).toString(), 'e:1');
    clientOf(t, port('perclient')).send('2');
    assert.equal(await counted(lb, 'perclient', 'max_sessions_per_client'), 1);
  });

  await t.test('no_healthy_target: the only target failed its datagram probe', async () => {
    await eventually(
      async () => (await lb.status()).pools.find((p) => p.name === 'hung')?.targets[0]?.health === 'unhealthy',
      15_000,
      'the muted target to go DOWN',
    );
    clientOf(t, port('down')).send('x');
    assert.equal(await counted(lb, 'down', 'no_healthy_target'), 1);
  });

  await t.test('buffer_full: datagrams beyond maxBufferedBytes while the session socket opens', async () => {
    // Eight 40,000-byte datagrams of a new client wait in the kernel while the balancer is stopped
    // (SIGSTOP), then arrive together: the first opens the session (the lookup of "localhost"
    // holds it) and the next do not fit the listener's 65,535 bytes, in the session's queue or
    // in the native engine's for JavaScript. Sent while it ran, they could each be handled before
    // the next came, and none dropped (a CI run saw that 20 times in a row).
    const c = clientOf(t, port('budget'));
    const stopped = [lb.lb.proc.pid!, ...descendants(lb.lb.proc.pid!)];
    for (const pid of stopped) process.kill(pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 8; i++)
        await new Promise<void>((resolve, reject) =>
          c.sock.send(Buffer.alloc(40_000, i), port('budget'), '127.0.0.1', (e) => (e ? reject(e) : resolve())),
        );
    } finally {
      for (const pid of stopped.reverse()) process.kill(pid, 'SIGCONT');
    }
    const first = await c.waitFor(1);
    assert.equal(first[0]!.length, 40_002, 'the datagram held for the socket went through whole');
    assert.ok((await counted(lb, 'budget', 'buffer_full')) >= 1, 'counted');
  });

  await t.test('too_large: with the PROXY v2 header it no longer fits one datagram', async () => {
    const c = clientOf(t, port('large'));
    const fits = 65_507 - 28; // the IPv4 header of PROXY v2 is 28 bytes
    const reply = await c.request(Buffer.alloc(fits, 1));
    assert.equal(reply.length, 65_507, 'the largest that fits went through, header included');
    c.send(Buffer.alloc(fits + 1, 2));
    assert.equal(await counted(lb, 'large', 'too_large'), 1);
  });

  await t.test("port_unreachable: the target's ICMP port unreachable, per listener and target", async () => {
    clientOf(t, port('refused')).send('x');
    assert.ok((await counted(lb, 'refused', 'port_unreachable')) >= 1);
    const text = await lb.metrics();
    assert.match(
      text,
      new RegExp(
        `lb_target_dropped_datagrams_total\\{pool="closed",target="127.0.0.1:${closed}",reason="port_unreachable"\\} [1-9]`,
      ),
    );
  });
});

test('send_error: out of descriptors, a session socket cannot open: its datagrams are dropped and counted, the process serves on', async (t) => {
  if (!requireProgram(t, 'prlimit', 'util-linux')) return;
  const echo = await peerOf(t, 'e');
  const lb = await startUdpLb({
    listeners: { dns: listener('echo') },
    pools: { echo: { targets: [`127.0.0.1:${echo.port}`], idleTimeout: '1s', healthCheck: { type: 'none' } } },
  });
  t.after(() => lb.stop());
  const port = lb.ports.get('dns')!;
  // Started (every module loaded: Node needs ~100 descriptors for that), it gets room for a few
  // sessions only: each holds a descriptor, and the 80 clients below want one each. The limit goes
  // to the process that carries the datagrams (the generation, under the supervisor).
  const pid = trafficPid(lb.lb.proc.pid!);
  const limit = readdirSync(`/proc/${pid}/fd`).length + 8;
  await run('prlimit', ['--pid', String(pid), `--nofile=${limit}:${limit}`]);
  const clients = Array.from({ length: 80 }, () => clientOf(t, port));
  for (const c of clients) c.send('x');
  // Descriptors come back as the sessions expire (1 s): then the admin API answers again.
  const n = await counted(lb, 'dns', 'send_error');
  assert.ok(n >= 1, `${n} send errors`);
  const answered = await eventually(
    () => clients.filter((c) => c.replies.length > 0).length,
    15_000,
    'the sessions that got a descriptor to be answered',
  );
  assert.ok(answered >= 1 && answered < clients.length, `${answered} of ${clients.length} answered`);
  assert.equal(lb.lb.proc.exitCode, null, 'still running');
  assert.deepEqual(childPids(lb.lb.proc.pid!), pid === lb.lb.proc.pid ? [] : [pid], 'the same process serves');
  const status = await eventually(() => lb.status(), 15_000, 'the admin API to answer');
  assert.notEqual(status.pools[0]!.targets[0]!.health, 'unhealthy', 'EMFILE here is no failure of the target');
  await eventually(
    async () => (await lb.status()).udpListeners[0]!.activeSessions === 0,
    15_000,
    'every session to expire (1 s idle), giving its descriptor back',
  );
  const c = clientOf(t, port);
  assert.equal((await c.request('again')).toString(), 'e:again', 'serves once descriptors are back');
});

test('shutdown: while the TCP listeners drain, open UDP sessions go on and a new client is dropped', async (t) => {
  const echo = await peerOf(t, 'e');
  // A TCP backend that holds its connection open: the drain lasts until the test ends it.
  const held: Socket[] = [];
  const backend = createServer((s) => held.push(s));
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  t.after(() => {
    for (const s of held) s.destroy();
    backend.close();
  });
  const tcpPort = (backend.address() as { port: number }).port;
  const lb = await startUdpLb({
    listeners: { dns: listener('echo'), web: { bind: '127.0.0.1:0', pool: 'tcp' } },
    pools: {
      echo: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } },
      tcp: { targets: [`127.0.0.1:${tcpPort}`], healthCheck: { type: 'none' } },
    },
    drainTimeout: '20s',
  });
  t.after(() => lb.stop());
  const port = lb.ports.get('dns')!;
  const webPort = Number(/Server is listening on port (\d+)/.exec(lb.lb.stdout())![1]);
  const conn = createConnection(webPort, '127.0.0.1');
  t.after(() => conn.destroy());
  await once(conn, 'connect');
  await eventually(() => held.length === 1, 10_000, 'the TCP connection to reach the backend');
  const open = clientOf(t, port);
  assert.equal((await open.request('1')).toString(), 'e:1');
  lb.lb.proc.kill('SIGTERM');
  await eventually(() => /draining connections/.test(lb.lb.stdout()), 10_000, 'the drain to start');
  clientOf(t, port).send('new');
  assert.equal(await counted(lb, 'dns', 'shutdown'), 1);
  assert.equal((await open.request('2')).toString(), 'e:2', 'the open session goes on during the drain');
  conn.destroy();
  for (const s of held) s.destroy();
  assert.equal(await lb.lb.exited, 0);
});
