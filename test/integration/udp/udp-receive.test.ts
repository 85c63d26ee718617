import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadRelayAddon } from '../../../src/proxy/native-addon.js';
import {
  NativeUdp,
  TAKEN,
  udpFunctions,
  udpHandle,
  udpSocketFd,
  type OnDatagram,
} from '../../../src/udp/native-udp.js';
import { compileAcl } from '../../../src/access/acl.js';
import { ClientTable } from '../../../src/access/client-table.js';
import { createLogger } from '../../../src/log/logger.js';
import { UdpListener } from '../../../src/udp/udp-listener.js';
import { newUdpStats } from '../../../src/udp/udp-types.js';
import { eventually } from '../../helpers/net.js';
import { trafficPid } from '../../helpers/supervised.js';
import { boundSocket, clientOf, peerOf, startUdpLb, UdpClient, type UdpLb } from '../../helpers/udp.js';

// The listener's socket read in C++ (native/udp-receive.cc), with real sockets on 127.0.0.1: the
// engine alone, then the load balancer (in whichever relay mode the UDP tests run: helpers/udp.ts).

const addon = udpFunctions(loadRelayAddon().addon);
const noAddon = !addon && 'native addon not built (npm run build)';

interface Seen {
  msg: Buffer;
  ip: string;
  port: number;
  truncated: boolean;
}

/**
 * A listener read by a native engine: what comes to JavaScript (to `onDatagram` if given), and
 * what dgram still reads.
 */
async function receiving(t: TestContext, onDatagram?: OnDatagram) {
  const listener = await boundSocket(t);
  const client = await boundSocket(t);
  const native = new NativeUdp(addon!, udpSocketFd(listener));
  t.after(() => native.destroy());
  const toJs: Seen[] = [];
  const byDgram: Buffer[] = [];
  const replies: Buffer[] = [];
  listener.on('message', (m) => byDgram.push(m));
  client.on('message', (m) => replies.push(m));
  assert.equal(
    native.receive(
      udpHandle(listener)!,
      onDatagram ?? ((msg, ip, port, truncated) => toJs.push({ msg, ip, port, truncated })),
    ),
    0,
  );
  const port = listener.address().port;
  const send = (msg: Buffer | string): void => client.send(msg, port, '127.0.0.1');
  return { native, toJs, byDgram, replies, send, port, clientPort: client.address().port };
}

const take = (native: NativeUdp, slot: number): number[] => [...native.take(slot)!];

/** `receiving`, with a session of the client open to an exact-echo target, its datagrams prefixed by `header`. */
async function withSession(t: TestContext, header: string) {
  const r = await receiving(t);
  const target = await peerOf(t, '');
  const slot = r.native.open('127.0.0.1', target.port, '127.0.0.1', r.clientPort, Buffer.from(header));
  assert.ok(slot >= 0, `opened: ${slot}`);
  return { ...r, target, slot };
}

test(
  'native receive: a new client comes to JavaScript; a registered session is forwarded from C++, 65,507 bytes whole, counted; dgram reads nothing',
  { skip: noAddon },
  async (t) => {
    const { native, toJs, byDgram, replies, send, clientPort } = await receiving(t);
    send('hello');
    await eventually(() => toJs.length === 1 || undefined, 10_000, 'the new client in JavaScript');
    assert.deepEqual(
      { ...toJs[0]!, msg: toJs[0]!.msg.toString() },
      { msg: 'hello', ip: '127.0.0.1', port: clientPort, truncated: false },
    );
    const target = await peerOf(t, '');
    const slot = native.open('127.0.0.1', target.port, '127.0.0.1', clientPort);
    assert.ok(slot >= 0, `opened: ${slot}`);
    const big = Buffer.alloc(65_507, 7);
    send(big);
    send('small');
    await eventually(() => replies.length === 2 || undefined, 10_000, 'both replies');
    assert.deepEqual(
      target.received.map((d) => d.length),
      [65_507, 5],
      'each datagram whole, in order',
    );
    assert.ok(target.received[0]!.equals(big));
    assert.equal(toJs.length, 1, 'nothing more came to JavaScript');
    assert.equal(byDgram.length, 0, 'dgram reads nothing while the engine does');
    const n = take(native, slot);
    assert.deepEqual(
      [n[TAKEN.inDatagrams], n[TAKEN.inBytes], n[TAKEN.datagrams], n[TAKEN.bytes], n[TAKEN.inFull], n[TAKEN.inErrors]],
      [2, 65_512, 2, 65_512, 0, 0],
    );
    assert.ok(n[TAKEN.ageMs]! >= 0 && n[TAKEN.ageMs]! < 60_000, `age of the last datagram: ${n[TAKEN.ageMs]}`);
    assert.equal(take(native, slot)[TAKEN.ageMs], -1, 'no datagram since the last take');
  },
);

test(
  'native receive: too large with the PROXY header, or forgotten: to JavaScript, not forwarded; registered again: forwarded',
  { skip: noAddon },
  async (t) => {
    const { native, toJs, send, target, slot } = await withSession(t, 'HDR');
    send(Buffer.alloc(65_505, 1)); // 65,508 bytes with the header: one too many
    await eventually(() => toJs.length === 1 || undefined, 10_000, 'the oversize datagram in JavaScript');
    assert.equal(toJs[0]!.msg.length, 65_505);
    send(Buffer.alloc(65_504, 2)); // fits exactly
    await eventually(() => target.received.length === 1 || undefined, 10_000, 'the datagram that fits');
    assert.equal(target.received[0]!.length, 65_507);
    assert.equal(target.received[0]!.subarray(0, 3).toString(), 'HDR');

    native.forget(slot);
    send('to js');
    await eventually(() => toJs.length === 2 || undefined, 10_000, 'the forgotten session in JavaScript');
    assert.equal(toJs[1]!.msg.toString(), 'to js');
    assert.equal(native.register(slot), true);
    send('to the target');
    await eventually(() => target.received.length === 2 || undefined, 10_000, 'forwarded again');
    assert.equal(target.received[1]!.toString(), 'HDRto the target');
    assert.equal(target.received.length, 2, 'the oversize and the forgotten datagrams never reached the target');
    native.close(slot);
    assert.equal(native.register(slot), false, 'a closed slot is unknown');
  },
);

test(
  'native receive: a burst of one client is sent in order, each datagram whole with its PROXY header, counted once',
  { skip: noAddon },
  async (t) => {
    const { native, toJs, send, target, slot } = await withSession(t, 'H:');
    const sent = Array.from({ length: 40 }, (_, i) => `d${i}`);
    for (const d of sent) send(d); // back to back: read in batches, sent as runs (sendmmsg)
    await eventually(() => target.received.length === sent.length || undefined, 10_000, 'every datagram');
    assert.deepEqual(
      target.received.map((d) => d.toString()),
      sent.map((d) => `H:${d}`),
    );
    assert.equal(toJs.length, 0);
    const n = take(native, slot);
    assert.deepEqual([n[TAKEN.inDatagrams], n[TAKEN.inBytes]], [40, sent.join('').length]);
  },
);

/**
 * A node program that sends datagrams `d0`, `d1`, … of `size` bytes to `port` from one socket:
 * each count of `bursts` `gapMs` apart, `pauseMs` between bursts, then it waits `lingerMs`.
 */
const senderArgs = (
  port: number,
  o: { bursts: number[]; size: number; gapMs: number; pauseMs?: number; lingerMs: number },
): string[] => [
  '-e',
  `const s = require('node:dgram').createSocket('udp4');
   const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
   s.bind(0, '127.0.0.1', async () => {
     let i = 0;
     for (const n of ${JSON.stringify(o.bursts)}) {
       for (let k = 0; k < n; k++, i++) {
         const d = Buffer.alloc(${o.size}, 46);
         d.write('d' + i);
         s.send(d, ${port}, '127.0.0.1');
         if (${o.gapMs} > 0) await sleep(${o.gapMs});
       }
       await sleep(${o.pauseMs ?? 0});
     }
     setTimeout(() => s.close(), ${o.lingerMs});
   });`,
];

/** Blocks this thread (the JavaScript one) for `ms`, as a busy event loop would. */
const block = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** The `d<n>` at the start of each datagram. */
const names = (ds: readonly Buffer[]): string[] => ds.map((d) => /^d\d+/.exec(d.toString('latin1'))?.[0] ?? '?');

test(
  'native receive: datagrams waiting for a busy JavaScript are bounded by udpLimit; the rest are dropped and counted',
  { skip: noAddon },
  async (t) => {
    const { native, toJs, byDgram, port } = await receiving(t);
    native.limit(4000);
    // this thread is blocked until the sender exits: the engine's thread reads all 50 meanwhile
    execFileSync(process.execPath, senderArgs(port, { bursts: [50], size: 1000, gapMs: 0, lingerMs: 1000 }));
    await eventually(() => toJs.length === 4 || undefined, 10_000, 'the four that fit');
    assert.equal(native.dropped(), 46, 'the other 46 dropped and counted');
    assert.equal(native.dropped(), 0, 'counted once');
    assert.deepEqual(names(toJs.map((d) => d.msg)), ['d0', 'd1', 'd2', 'd3']);
    assert.equal(byDgram.length, 0);
  },
);

test(
  'a UDP listener counts the datagrams its engine dropped while JavaScript was busy as buffer_full, with no session open',
  { skip: noAddon },
  async (t) => {
    const stats = newUdpStats();
    const listener = new UdpListener(
      { name: 'busy', host: '127.0.0.1', port: 0, maxBufferedBytes: 65_535, native: addon! },
      {
        policy: {
          acl: compileAcl([], []),
          maxSessions: undefined,
          limits: {},
          clients: new ClientTable(),
          now: () => 0,
        },
        route: () => undefined, // no pool: every new client is dropped as no_healthy_target
      },
      stats,
      { onUdpSessionEnd: () => undefined },
      createLogger({ level: 'silent', format: 'json' }).log,
    );
    await listener.start();
    t.after(() => listener.stop());
    assert.ok(listener.native, 'the native engine reads the socket');
    // 100 new clients' datagrams of 1,000 bytes while this thread is blocked: 65 fit in 65,535
    execFileSync(process.execPath, [
      '-e',
      `const d = require('node:dgram'); let n = 0;
       for (let i = 0; i < 100; i++) {
         const s = d.createSocket('udp4');
         s.send(Buffer.alloc(1000), ${listener.port}, '127.0.0.1', () => { s.close(); if (++n === 100) setTimeout(() => {}, 1000); });
       }`,
    ]);
    await eventually(
      () => (stats.drops.get('no_healthy_target') ?? 0) === 65 || undefined,
      10_000,
      'the 65 that fit, seen by JavaScript',
    );
    listener.sync(); // a reader of the counters (metrics, /api/status): no session, so no sweep
    assert.equal(stats.drops.get('buffer_full'), 35);
  },
);

test(
  "native receive: a client's datagrams waiting for JavaScript are not overtaken once its session opens",
  { skip: noAddon },
  async (t) => {
    const target = await peerOf(t, '');
    let slot = -1;
    let toJs = 0;
    // JavaScript is slow: 50 ms before it opens the session at the first datagram (the next ones
    // wait for it meanwhile), then 5 ms a datagram; those read once the session is open must not
    // go out from C++ before the ones still waiting
    const { native, port } = await receiving(t, (msg, ip, clientPort) => {
      toJs++;
      if (slot < 0) {
        block(50);
        slot = native.open('127.0.0.1', target.port, ip, clientPort);
        assert.ok(slot >= 0, `opened: ${slot}`);
      } else {
        assert.equal(native.send(slot, msg), 0);
        block(5);
      }
    });
    const args = senderArgs(port, { bursts: [40, 10], size: 8, gapMs: 2, pauseMs: 1500, lingerMs: 200 });
    const sender = spawn(process.execPath, args, { stdio: 'ignore' });
    t.after(() => sender.kill());
    await eventually(() => target.received.length === 49 || undefined, 20_000, 'every datagram after the first');
    assert.deepEqual(
      names(target.received),
      Array.from({ length: 49 }, (_, i) => `d${i + 1}`),
      'in the order sent',
    );
    assert.ok(toJs < 50, `the last ones went out from C++ once JavaScript had seen the rest (${toJs} to JavaScript)`);
  },
);

/** Threads of this process named `lb-udp`: one per live engine. */
const udpThreads = (): number =>
  readdirSync('/proc/self/task').filter((id) => {
    try {
      return readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim() === 'lb-udp';
    } catch {
      return false; // ended meanwhile
    }
  }).length;

test(
  'native receive: a destroyed engine stops its thread and hands the reading back to dgram',
  { skip: noAddon },
  async (t) => {
    const before = udpThreads();
    const { native, toJs, byDgram, send } = await receiving(t);
    assert.equal(udpThreads(), before + 1, 'the engine has a thread of its own');
    send('one');
    await eventually(() => toJs.length === 1 || undefined, 10_000, 'read by the engine');
    native.destroy();
    assert.equal(udpThreads(), before, 'joined at destroy');
    send('two');
    await eventually(() => byDgram.length === 1 || undefined, 10_000, 'read by dgram');
    assert.equal(byDgram[0]!.toString(), 'two');
    assert.equal(toJs.length, 1);
  },
);

const targetOf = async (lb: UdpLb, address: string) =>
  (await lb.status()).pools.flatMap((p) => p.targets).find((x) => x.address === address);

test('a session whose target goes DOWN moves to the other on its next datagram', async (t) => {
  const a = await peerOf(t, 'a');
  const b = await peerOf(t, 'b');
  const probe = { type: 'udp', send: 'ping', interval: '300ms', timeout: '300ms', rise: 1, fall: 2 };
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    pools: {
      p: {
        targets: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
        // each echo answers "<name>:ping", which holds "ping"
        healthCheck: { ...probe, expect: 'ping' },
        idleTimeout: '1h',
      },
    },
  });
  t.after(() => lb.stop());
  const c = clientOf(t, lb.ports.get('dns')!);
  const first = (await c.request('1')).toString();
  assert.match(first, /^[ab]:1$/);
  for (let i = 0; i < 5; i++) assert.equal((await c.request(`x${i}`)).toString(), `${first[0]}:x${i}`, 'it stays');
  const [on, other] = first.startsWith('a') ? [a, b] : [b, a];
  on.mute(true); // bound and silent: only the active checks can tell
  const address = `127.0.0.1:${on.port}`;
  await eventually(async () => (await targetOf(lb, address))?.health === 'unhealthy' || undefined, 20_000, 'DOWN');
  const name = other === a ? 'a' : 'b';
  const moved = await eventually(
    async () => (await c.request('2', 1000).catch(() => undefined))?.toString(),
    20_000,
    'a reply from the other target',
  );
  assert.equal(moved, `${name}:2`);
  for (let i = 0; i < 5; i++) assert.equal((await c.request(`y${i}`)).toString(), `${name}:y${i}`, 'it stays there');
  await lb.lb.stop();
  const end = lb.lb.logs().find((l) => l.msg === 'udp session ended');
  assert.ok(end, 'the session is logged');
  const access = end.access as { moves: number; target: string; datagramsFromClient: number };
  assert.equal(access.moves, 1);
  assert.equal(access.target, `127.0.0.1:${other.port}`);
});

test('a target put in maint: its session moves on its very next datagram, not at the next sweep', async (t) => {
  const peers = { a: await peerOf(t, 'a'), b: await peerOf(t, 'b') };
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    pools: {
      p: {
        targets: [`127.0.0.1:${peers.a.port}`, `127.0.0.1:${peers.b.port}`],
        healthCheck: { type: 'none' },
        idleTimeout: '1h',
      },
    },
  });
  t.after(() => lb.stop());
  const state = async (name: 'a' | 'b', to: string): Promise<void> => {
    const url = `${lb.admin}/api/pools/p/targets/127.0.0.1:${peers[name].port}`;
    const r = await fetch(url, { method: 'PATCH', body: JSON.stringify({ state: to }) });
    assert.equal(r.status, 200, await r.text());
  };
  const c = clientOf(t, lb.ports.get('dns')!);
  let on = (await c.request('0')).toString()[0] as 'a' | 'b';
  // Each change reaches the data plane before the admin API answers; the datagram sent right
  // after must already move (the 100 ms sweep would let some of them reach the old target).
  for (let i = 1; i <= 4; i++) {
    const to = on === 'a' ? 'b' : 'a';
    await state(on, 'maint');
    assert.equal((await c.request(`m${i}`)).toString(), `${to}:m${i}`, `move ${i}`);
    await state(on, 'ready');
    on = to;
  }
  await lb.lb.stop();
  const end = lb.lb.logs().find((l) => l.msg === 'udp session ended');
  assert.equal((end?.access as { moves: number } | undefined)?.moves, 4);
});

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test('no descriptor or session leak: 300 clients, each a few datagrams, all expired', async (t) => {
  const a = await peerOf(t, 'a');
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    pools: { p: { targets: [`127.0.0.1:${a.port}`], idleTimeout: '500ms', healthCheck: { type: 'none' } } },
  });
  t.after(() => lb.stop());
  const port = lb.ports.get('dns')!;
  await clientOf(t, port).request('warm-up'); // lazily opened descriptors exist from here
  const pid = trafficPid(lb.lb.proc.pid!);
  await eventually(async () => (await lb.status()).udpListeners[0]!.activeSessions === 0 || undefined, 20_000);
  const before = fdCount(pid);
  // every client open until the end: a closed one's port, taken again, would be its session again
  const clients = Array.from({ length: 300 }, () => new UdpClient(port));
  t.after(() => Promise.all(clients.map((c) => c.close())));
  for (let round = 0; round < 6; round++) {
    await Promise.all(
      clients.slice(round * 50, round * 50 + 50).map(async (c, i) => {
        for (let k = 0; k < 3; k++) assert.equal((await c.request(`${i}.${k}`)).toString(), `a:${i}.${k}`);
      }),
    );
  }
  const status = await lb.status();
  assert.equal(status.udpListeners[0]!.totalSessions, 301, 'one session per client');
  await eventually(
    async () => (await lb.status()).udpListeners[0]!.activeSessions === 0 || undefined,
    20_000,
    'every session expired',
  );
  await eventually(() => fdCount(pid) <= before || undefined, 10_000).catch(() => undefined);
  assert.ok(fdCount(pid) <= before, `descriptors: ${before} before, ${fdCount(pid)} after 300 clients`);
});
