import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

// A TCP forwarder on a port of its own that the test can cut (every connection reset, new ones
// refused) and open again on the same port: a network partition between a client and its peer
// without stopping the peer.

export interface Gate {
  readonly port: number;
  /** Resets every connection and refuses new ones. */
  cut(): Promise<void>;
  /**
   * Resets every connection, then answers each new one with `response` (raw bytes, e.g. an HTTP
   * 502 as a reverse proxy whose upstream is gone would) until open().
   */
  answer(response: string): Promise<void>;
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
  let answering: Server | undefined;
  const stopAnswering = async (): Promise<void> => {
    const a = answering;
    answering = undefined;
    if (!a) return;
    const closed = new Promise((r) => a.close(r));
    for (const s of sockets) s.resetAndDestroy();
    await closed;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    answer: async (response) => {
      await cut();
      answering = createServer((c) => {
        sockets.add(c);
        c.on('error', () => undefined);
        c.on('close', () => sockets.delete(c));
        c.end(response);
      });
      answering.listen(port, '127.0.0.1');
      await once(answering, 'listening');
    },
    open: async () => {
      await stopAnswering();
      await listen();
    },
    close: async () => {
      await stopAnswering();
      await cut();
    },
  };
}
