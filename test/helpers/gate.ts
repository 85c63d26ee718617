import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';

// A TCP forwarder on a port of its own that the test can cut (every connection reset, new ones
// refused) and open again on the same port: a network partition between a client and its peer
// without stopping the peer.

export interface Gate {
  readonly port: number;
  cut(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startGate(targetPort: number): Promise<Gate> {
  const sockets = new Set<Socket>();
  let port = 0;
  let server = createServer();
  const listen = async (): Promise<void> => {
    server = createServer((c) => {
      const u = connect(targetPort, '127.0.0.1');
      for (const s of [c, u]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          sockets.delete(s);
          c.destroy();
          u.destroy();
        });
      }
      c.pipe(u);
      u.pipe(c);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const a = server.address();
    if (!a || typeof a === 'string') throw new Error('no address');
    port = a.port;
  };
  const cut = async (): Promise<void> => {
    const closed = new Promise((r) => server.close(r));
    for (const s of sockets) s.resetAndDestroy();
    await closed;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    open: listen,
    close: cut,
  };
}
