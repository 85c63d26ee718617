import { connect, type Socket } from 'node:net';
import { tcpServer, type TestServer } from './net.js';

export interface NamedEcho extends TestServer {
  readonly name: string;
  readonly address: string;
  /** Connections accepted so far (health checks included). */
  accepted(): number;
}

/** A backend that says its name (`A\n`) on every connection, then echoes: shows who serves. */
export async function namedEcho(name: string): Promise<NamedEcho> {
  let accepted = 0;
  const s = await tcpServer((sock) => {
    accepted++;
    sock.write(`${name}\n`);
    sock.pipe(sock);
  });
  return { ...s, name, address: `127.0.0.1:${s.port}`, accepted: () => accepted };
}

export interface Conn {
  /** Name of the backend that serves this connection. */
  readonly name: string;
  readonly sock: Socket;
  /** Writes `text` and resolves once it has come back. */
  echo(text: string): Promise<string>;
  close(): Promise<void>;
}

/** Connects through the balancer and reads which backend answered. */
export function open(port: number, timeoutMs = 5000): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    let waiter: (() => void) | undefined;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no backend answered within ${timeoutMs}ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('error', reject);
    sock.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`closed before a backend answered (got "${buf}")`));
    });
    sock.on('data', (d: string) => {
      buf += d;
      waiter?.();
      const nl = buf.indexOf('\n');
      if (nl < 0 || waiter) return;
      clearTimeout(timer);
      const name = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiter = () => undefined;
      resolve({
        name,
        sock,
        echo: (text) =>
          new Promise((done) => {
            buf = '';
            waiter = () => {
              if (buf.length >= text.length) done(buf);
            };
            sock.write(text);
          }),
        close: () =>
          new Promise((done) => {
            sock.once('close', () => done());
            sock.end();
          }),
      });
    });
  });
}

/** Which backend serves a new connection (which is closed at once). */
export async function whoServes(port: number): Promise<string> {
  const c = await open(port);
  await c.close();
  return c.name;
}
