import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadRelayAddon } from '../../../src/proxy/native-addon.js';
import { NativeUdp, SEND_REFUSED, TAKEN, udpFunctions, udpSocketFd } from '../../../src/udp/native-udp.js';
import { startCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { eventually } from '../../helpers/net.js';
import { boundSocket, clientOf, freeUdpPort, peerOf, UDP_READY } from '../../helpers/udp.js';

// The native fast path of UDP sessions (native/udp-reply.cc) with real sockets on 127.0.0.1, and
// the JavaScript path (relay: js) through the CLI: both serve a session the same way.

const addon = udpFunctions(loadRelayAddon().addon);

/** A listener socket, a native engine on its descriptor, and a client of it. */
async function setup(t: TestContext) {
  const listener = await boundSocket(t);
  const client = await boundSocket(t);
  const native = new NativeUdp(addon!, udpSocketFd(listener));
  t.after(() => native.destroy());
  const fromListener: { msg: Buffer; port: number }[] = [];
  client.on('message', (msg, r) => fromListener.push({ msg, port: r.port }));
  return { listener, client, native, fromListener, clientPort: client.address().port };
}

const totals = (native: NativeUdp, slot: number, into: number[]): number[] => {
  const n = native.take(slot);
  if (n) for (let i = 0; i < into.length; i++) into[i]! += n[i]!;
  return into;
};

test(
  'native: a datagram goes out on the session socket, the reply reaches the client from the listener, counted once',
  { skip: !addon && 'native addon not built (npm run build)' },
  async (t) => {
    const { listener, native, fromListener, clientPort } = await setup(t);
    const target = await peerOf(t, 'a');
    const slot = native.open('127.0.0.1', target.port, '127.0.0.1', clientPort);
    assert.ok(slot >= 0, `opened: ${slot}`);
    assert.equal(native.send(slot, Buffer.from('one')), 0);
    assert.equal(native.send(slot, Buffer.from('two')), 0);
    await eventually(() => fromListener.length === 2 || undefined, 10_000, 'two replies');
    assert.deepEqual(fromListener.map((r) => r.msg.toString()).sort(), ['a:one', 'a:two']);
    assert.ok(
      fromListener.every((r) => r.port === listener.address().port),
      'replies leave from the listener port',
    );
    assert.equal(target.sources.size, 1, 'one upstream socket per session');
    const n = totals(native, slot, [0, 0, 0, 0, 0]);
    assert.equal(n[TAKEN.datagrams], 2);
    assert.equal(n[TAKEN.bytes], 10);
    assert.deepEqual(totals(native, slot, [0, 0, 0, 0, 0]), [0, 0, 0, 0, 0], 'a take zeroes the counts');
    native.close(slot);
    assert.equal(native.take(slot), undefined, 'closed: unknown slot');
    assert.ok(native.send(slot, Buffer.from('x')) < 0, 'no send on a closed slot');
  },
);

test(
  'native: the PROXY header goes before every datagram, in the same datagram',
  { skip: !addon && 'native addon not built' },
  async (t) => {
    const { native, clientPort } = await setup(t);
    const target = await peerOf(t, '');
    const slot = native.open('127.0.0.1', target.port, '127.0.0.1', clientPort, Buffer.from('HDR'));
    native.send(slot, Buffer.from('payload'));
    await eventually(() => target.received.length === 1 || undefined, 10_000, 'the datagram');
    assert.equal(target.received[0]!.toString(), 'HDRpayload');
  },
);

test(
  'native: port unreachable is taken once by whoever comes first; the next send is not made',
  { skip: !addon && 'native addon not built' },
  async (t) => {
    const { native, clientPort } = await setup(t);
    const closedPort = await freeUdpPort();
    const slot = native.open('127.0.0.1', closedPort, '127.0.0.1', clientPort);
    assert.equal(native.send(slot, Buffer.from('anyone?')), 0);
    // the ICMP error is read on a later turn of the event loop; a send made before that goes out
    let sentMore = 0;
    await eventually(
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        const r = native.send(slot, Buffer.from('again'));
        if (r === 0) sentMore++;
        return r === SEND_REFUSED || undefined;
      },
      10_000,
      'the refusal',
    );
    const left = totals(native, slot, [0, 0, 0, 0, 0])[TAKEN.refused]!;
    assert.ok(left <= sentMore, `the refusal the send returned is not taken again (${left} left, ${sentMore} after)`);
    assert.equal(
      native.open('not an address', 53, '127.0.0.1', clientPort) < 0,
      true,
      'a name is refused (JS resolves)',
    );
  },
);

test('relay: js: the dgram path serves a session end to end, with its counts in the access log', async (t) => {
  const target = await peerOf(t, 'j');
  const dir = configDir();
  const file = dir.write('lb.yaml', {
    relay: 'js',
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    pools: { p: { targets: [`127.0.0.1:${target.port}`], idleTimeout: '300ms', healthCheck: { type: 'none' } } },
    log: { format: 'json' },
  });
  const lb = await startCli(['--config', file], { ready: UDP_READY });
  t.after(async () => {
    await lb.stop();
    dir.remove();
  });
  const c = clientOf(t, lb.port);
  assert.equal((await c.request('one')).toString(), 'j:one');
  assert.equal((await c.request('two')).toString(), 'j:two');
  const end = await eventually(
    () => lb.logs().find((l) => l.msg === 'udp session ended'),
    10_000,
    'the session to end',
  );
  const access = end.access as Record<string, unknown>;
  assert.deepEqual(
    [access.reason, access.datagramsFromClient, access.datagramsToClient, access.bytesToClient],
    ['idle_timeout', 2, 2, 10],
  );
});
