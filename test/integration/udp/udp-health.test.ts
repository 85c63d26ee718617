import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../../helpers/net.js';
import { clientOf, freeUdpPort, peerOf, startUdpLb, type UdpClient, type UdpLb } from '../../helpers/udp.js';

const target = async (lb: UdpLb, address: string) => {
  const s = await lb.status();
  return s.pools.flatMap((p) => p.targets).find((x) => x.address === address);
};

/** Waits until `address` has `health`; returns its status entry. */
const health = (lb: UdpLb, address: string, want: 'healthy' | 'unhealthy') =>
  eventually(
    async () => {
      const x = await target(lb, address);
      return x?.health === want ? x : undefined;
    },
    20_000,
    `${address} ${want}`,
  );

test('udp probe: a target that stops answering goes DOWN, its sessions find no target; it comes back UP when it answers again', async (t) => {
  const a = await peerOf(t, 'a');
  const address = `127.0.0.1:${a.port}`;
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    pools: {
      p: {
        targets: [address],
        // the echo answers "a:ping", which holds "ping"
        healthCheck: {
          type: 'udp',
          send: 'ping',
          expect: 'a:ping',
          interval: '500ms',
          timeout: '500ms',
          rise: 2,
          fall: 2,
        },
      },
    },
  });
  t.after(() => lb.stop());
  const port = lb.ports.get('dns')!;
  const up = await health(lb, address, 'healthy');
  assert.equal(up.lastCheck?.ok, true);
  const c = clientOf(t, port);
  assert.equal((await c.request('1')).toString(), 'a:1');

  a.mute(true); // bound, silent: no reply and no ICMP either
  const down = await health(lb, address, 'unhealthy');
  assert.match(down.lastChange!.cause, /after 2 failed checks: no matching reply \(timeout\)/);
  c.send('2'); // the session's target is DOWN and the pool has no other
  clientOf(t, port).send('3'); // a new session finds none either
  await eventually(
    async () => (await lb.dropped('dns', 'no_healthy_target')) === 2,
    10_000,
    'both datagrams dropped as no_healthy_target',
  );

  a.mute(false);
  const back = await health(lb, address, 'healthy');
  assert.match(back.lastChange!.cause, /after 2 successful checks/);
  assert.equal((await c.request('4')).toString(), 'a:4', 'the session is served again');
});

test('udp probe: a closed port (ICMP port unreachable) fails the check at once', async (t) => {
  const closed = await freeUdpPort();
  const address = `127.0.0.1:${closed}`;
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    // no expect: a silent target would pass at the timeout, only the ICMP fails it
    pools: { p: { targets: [address], healthCheck: { type: 'udp', interval: '5s', timeout: '5s', fall: 1 } } },
  });
  t.after(() => lb.stop());
  const down = await health(lb, address, 'unhealthy');
  assert.equal(down.lastCheck?.detail, 'port unreachable');
  assert.match(down.lastChange!.cause, /after 1 failed check: port unreachable/);
});

test('passive: port unreachable on a session socket counts as a failed connect; after `fall` of them the target is DOWN and its sessions move', async (t) => {
  const b = await peerOf(t, 'b');
  const closed = await freeUdpPort();
  const dead = `127.0.0.1:${closed}`;
  const lb = await startUdpLb({
    listeners: { dns: { bind: '127.0.0.1:0', protocol: 'udp', pool: 'p' } },
    pools: {
      p: {
        targets: [dead, `127.0.0.1:${b.port}`],
        // no active checks: only traffic marks the dead target, and nothing brings it back in the test
        healthCheck: { type: 'none', fall: 2 },
        passiveFailTimeout: '1h',
      },
    },
  });
  t.after(() => lb.stop());
  const port = lb.ports.get('dns')!;
  // New sessions alternate over the two targets (round-robin): each one on the dead target
  // meets port unreachable, and the second of them marks it DOWN.
  const onDead: UdpClient[] = [];
  for (let i = 0; i < 12 && (await target(lb, dead))?.health !== 'unhealthy'; i++) {
    const c = clientOf(t, port);
    const r = await c.request(`q${i}`, 1000).catch(() => undefined);
    if (r === undefined) onDead.push(c);
    else assert.equal(r.toString(), `b:q${i}`);
  }
  const down = await health(lb, dead, 'unhealthy');
  assert.match(down.lastChange!.cause, /after 2 failed connections: port unreachable/);
  assert.equal(onDead.length, 2, 'two sessions met the dead target before it went DOWN');
  assert.equal(await lb.dropped('dns', 'port_unreachable'), 2, 'each counted once');
  for (const c of onDead) assert.equal((await c.request('again')).toString(), 'b:again', 'moved to the live target');
  for (let i = 0; i < 4; i++)
    assert.equal((await clientOf(t, port).request('new')).toString(), 'b:new', 'new sessions skip the DOWN target');
});
