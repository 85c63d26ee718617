import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';

export interface SampleServers {
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * `--with-servers`: the three sample servers on the ports the command line uses when given no
 * backend; a warning (and undefined) when they cannot start, never a failed start.
 */
export async function startWithServers(log: { warn(msg: string): void }): Promise<SampleServers | undefined> {
  try {
    return await startSampleServers({ count: 3, basePort: 5001, host: '127.0.0.1', echo: false });
  } catch (e) {
    log.warn(`sample servers not started (${e instanceof Error ? e.message : String(e)}); are they already running?`);
    return undefined;
  }
}

/**
 * The sample backends of the quick start: HTTP servers answering `Hello from server N`, or raw
 * TCP echo servers with `echo`. Port 0 picks free ports (tests).
 */
export async function startSampleServers(opts: {
  count: number;
  basePort: number;
  host: string;
  echo: boolean;
}): Promise<SampleServers> {
  const servers: (HttpServer | TcpServer)[] = [];
  const ports: number[] = [];
  try {
    for (let i = 1; i <= opts.count; i++) {
      const server = opts.echo ? echoServer() : helloServer(i);
      const port = opts.basePort === 0 ? 0 : opts.basePort + i - 1;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host: opts.host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      const addr = server.address();
      ports.push(addr && typeof addr === 'object' ? addr.port : port);
    }
  } catch (e) {
    await closeAll(servers);
    throw e;
  }
  return { ports, stop: () => closeAll(servers) };
}

function helloServer(n: number): HttpServer {
  const body = `Hello from server ${n}\n`;
  return createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    req.resume();
  });
}

function echoServer(): TcpServer {
  return createTcpServer({ allowHalfOpen: true }, (sock) => {
    sock.on('error', () => sock.destroy());
    sock.pipe(sock);
  });
}

async function closeAll(servers: readonly (HttpServer | TcpServer)[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if ('closeAllConnections' in s) s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
}
