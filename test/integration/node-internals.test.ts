import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, readlinkSync, readSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import {
  serverFd,
  resumeReading,
  setListenerKeepAlive,
  setListenerNoDelay,
  socketFd,
  stopReading,
} from '../../src/proxy/node-internals.js';
import { eventually, listen } from '../helpers/net.js';

// Every Node.js internal the balancer uses (src/proxy/node-internals.ts), on real sockets: when a
// Node version changes one of them, this fails (it runs on Node 20, 22 and 24: node-versions.test.ts).

async function pair(): Promise<{ accepted: Socket; dialed: Socket; close(): Promise<void> }> {
  const server = createServer();
  const port = await listen(server);
  const acceptedP = once(server, 'connection') as Promise<[Socket]>;
  const dialed = connect({ port, host: '127.0.0.1' });
  await once(dialed, 'connect');
  const [accepted] = await acceptedP;
  return {
    accepted,
    dialed,
    close: async () => {
      accepted.destroy();
      dialed.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const isSocketFd = (fd: number): boolean => /^socket:\[\d+\]$/.test(readlinkSync(`/proc/self/fd/${fd}`));

test('socketFd: the descriptor of an accepted and of a dialed socket (_handle.fd)', async () => {
  const p = await pair();
  try {
    for (const s of [p.accepted, p.dialed]) {
      const fd = socketFd(s);
      assert.ok(fd > 2, `fd ${fd}`);
      assert.ok(isSocketFd(fd));
    }
    assert.notEqual(socketFd(p.accepted), socketFd(p.dialed));
    p.dialed.destroy();
    assert.equal(socketFd(p.dialed), -1, 'a destroyed socket has no descriptor');
  } finally {
    await p.close();
  }
});

test('stopReading: Node no longer reads the descriptor (the bytes stay in the kernel for the addon)', async () => {
  const p = await pair();
  try {
    let seen = 0;
    p.accepted.on('data', (d: Buffer) => (seen += d.length));
    stopReading(p.accepted);
    p.dialed.write('kept in the kernel');
    // read(2) on the descriptor gets them: Node did not (it would have emptied the socket)
    const fd = socketFd(p.accepted);
    const buf = Buffer.alloc(64);
    const n = await eventually(() => {
      try {
        return readSync(fd, buf) || undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return undefined;
        throw e;
      }
    });
    assert.equal(buf.subarray(0, n).toString(), 'kept in the kernel');
    assert.equal(seen, 0);
  } finally {
    await p.close();
  }
});

test('resumeReading: after stopReading, Node reads again, bytes put back first', async () => {
  const p = await pair();
  try {
    let got = '';
    p.accepted.setEncoding('utf8');
    p.accepted.on('data', (d: string) => (got += d));
    p.dialed.write('one,');
    await eventually(() => got === 'one,' || undefined);
    stopReading(p.accepted);
    p.dialed.write('three');
    resumeReading(p.accepted, Buffer.from('two,'));
    await eventually(() => got === 'one,two,three' || undefined);
  } finally {
    await p.close();
  }
});

test('setListenerNoDelay, setListenerKeepAlive: TCP_NODELAY and keep-alive on a listening socket (server._handle)', async () => {
  const server = createServer();
  await listen(server);
  try {
    assert.equal(setListenerNoDelay(server), true);
    assert.equal(setListenerKeepAlive(server, true, 60), true);
    assert.equal(setListenerKeepAlive(server, false, 0), true);
  } finally {
    server.close();
  }
  assert.equal(setListenerNoDelay(createServer()), false, 'not listening: no handle');
  assert.equal(setListenerKeepAlive(createServer(), true, 60), false, 'not listening: no handle');
});

test('serverFd: the descriptor of a listening server (server._handle.fd), a listening socket', async () => {
  const server = createServer();
  assert.equal(serverFd(server), -1, 'not listening: no handle');
  await listen(server);
  try {
    const fd = serverFd(server);
    assert.ok(fd > 2 && isSocketFd(fd), `fd ${fd}`);
    // the same socket: a duplicate of it accepts (what native accept relies on)
    const ino = readlinkSync(`/proc/self/fd/${fd}`);
    const port = (server.address() as { port: number }).port;
    assert.match(
      readFileSync('/proc/net/tcp', 'utf8'),
      new RegExp(`:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A .* ${ino.slice(8, -1)} `),
    );
  } finally {
    server.close();
  }
});
