import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { validateConfig } from '../../src/config/validate.js';
import { startApp } from '../helpers/app-harness.js';
import { namedEcho } from '../helpers/named-echo.js';
import { eventually } from '../helpers/net.js';

/** The kernel's timer of an IPv4 TCP socket from /proc/net/tcp: [kind (2: keep-alive), clock ticks left]. */
function timerOf(localPort: number, remotePort: number): [number, number] | undefined {
  const hex = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(`:${hex(localPort)}`) && f[2]?.endsWith(`:${hex(remotePort)}`)) {
      const [kind, when] = f[5]!.split(':');
      return [Number(kind), parseInt(when!, 16)];
    }
  }
  return undefined;
}

test(
  'a reload that changes keepAlive applies to new client connections; open ones keep theirs',
  { skip: process.platform !== 'linux' },
  async (t) => {
    const echo = await namedEcho('A');
    t.after(() => echo.close());
    const input = (keepAlive: string) => ({
      keepAlive,
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets: [echo.address], healthCheck: { type: 'none' as const } } },
    });
    const h = await startApp(input('0'));
    const clients: Socket[] = [];
    t.after(async () => {
      for (const c of clients) c.destroy();
      await h.stop();
    });
    const port = h.port();
    /** The load balancer's side of a new client connection: its keep-alive timer. */
    const newConnection = async (): Promise<[number, number]> => {
      const c = connect({ host: '127.0.0.1', port });
      c.on('error', () => undefined);
      clients.push(c);
      await once(c, 'connect');
      return eventually(() => timerOf(port, c.localPort!), 10_000, 'the accepted socket');
    };
    const reload = async (keepAlive: string) => {
      const v = validateConfig(input(keepAlive));
      assert.ok(v.ok);
      await h.app.apply(v.config);
    };

    const first = await newConnection();
    assert.equal(first[0], 0, 'keepAlive 0: no keep-alive timer');
    await reload('60s');
    const second = await newConnection();
    assert.equal(second[0], 2, 'keepAlive 60s after the reload: keep-alive timer armed');
    assert.ok(second[1] > 1000, `about 60 s of ticks left (${second[1]})`);
    await reload('5s');
    const third = await newConnection();
    assert.equal(third[0], 2);
    assert.ok(third[1] <= 5 * 100 + 50, `5 s, not 60 s (${third[1]} ticks)`);
    await reload('0');
    assert.equal((await newConnection())[0], 0, 'turned off again for new connections');
    const firstPort = clients[0]!.localPort!;
    assert.equal(timerOf(port, firstPort)?.[0], 0, 'the first connection kept its own setting');
  },
);
