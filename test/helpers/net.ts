import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** Polls `fn` until it returns true (or a value), failing after `timeoutMs`. No fixed sleeps. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('no address');
  return a.port;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

export interface TestServer {
  readonly port: number;
  readonly server: Server;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 with `handler`; close() also destroys its open sockets. */
export async function tcpServer(handler: (s: Socket) => void, port = 0): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    handler(s);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('no address');
  return {
    port: a.port,
    server,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server that answers each connection with `name` and closes: shows which target served. */
export const nameServer = (name: string, port = 0): Promise<TestServer> =>
  tcpServer((s) => {
    s.end(name);
  }, port);

export const echoServer = (port = 0): Promise<TestServer> => tcpServer((s) => s.pipe(s), port);

/** Connects, optionally writes and ends, and collects everything until the server closes. */
export function exchange(port: number, send?: Buffer | string, host = '127.0.0.1', timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('exchange timed out'));
    }, timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => s.end()); // the server is done: finish our side too
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.on('connect', () => {
      if (send !== undefined) s.end(send);
    });
  });
}

/** What a connection to `port` on 127.0.0.1 gets: `connected`, or the error code (`ECONNREFUSED`…). */
export const connectOutcome = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
