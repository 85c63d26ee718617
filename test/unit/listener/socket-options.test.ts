import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { acceptedSocketOptions, fixedLocalAddress, setInheritedOptions } from '../../../src/listener/socket-options.js';

async function listening(host: string, keepAliveMs?: number): Promise<Server> {
  const server = createServer(keepAliveMs === undefined ? {} : acceptedSocketOptions(keepAliveMs));
  server.listen({ host, port: 0 });
  await once(server, 'listening');
  if (keepAliveMs !== undefined) assert.equal(setInheritedOptions(server, keepAliveMs), true);
  return server;
}

/** The kernel's timer of an IPv4 TCP socket, from /proc/net/tcp: 2 is the keep-alive timer. */
function timerOf(localPort: number, remotePort: number): number | undefined {
  const hex = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(`:${hex(localPort)}`) && f[2]?.endsWith(`:${hex(remotePort)}`))
      return Number(f[5]!.split(':')[0]);
  }
  return undefined;
}

async function acceptedTimer(server: Server): Promise<number | undefined> {
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ host: '127.0.0.1', port });
  await once(client, 'connect');
  const [sock] = await accepted;
  try {
    return timerOf(port, client.localPort!);
  } finally {
    client.destroy();
    sock.destroy();
  }
}

test(
  'accepted sockets inherit keep-alive set once on the listening socket',
  { skip: process.platform !== 'linux' },
  async () => {
    const withKeepAlive = await listening('127.0.0.1', 60_000);
    const without = await listening('127.0.0.1');
    try {
      assert.equal(await acceptedTimer(withKeepAlive), 2, 'keep-alive timer armed on the accepted socket');
      assert.equal(await acceptedTimer(without), 0, 'no timer without keep-alive');
    } finally {
      withKeepAlive.close();
      without.close();
    }
  },
);

test('a listener bound to one address knows the local address of its connections; a wildcard does not', async () => {
  const one = await listening('127.0.0.1', 0);
  const any = await listening('0.0.0.0', 0);
  try {
    assert.deepEqual(fixedLocalAddress(one), { ip: '127.0.0.1', port: (one.address() as { port: number }).port });
    assert.equal(fixedLocalAddress(any), undefined);
  } finally {
    one.close();
    any.close();
  }
});
