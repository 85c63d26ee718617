// In-process backends the scenarios can kill and restart on the same port: a tiny HTTP/1.1
// server (keep-alive or close, each reply names its backend) and a TCP echo server.
// Hand-written on node:net rather than node:http: a "kill" must drop every socket at once, as a
// crashed process would, and the parser only needs to find the end of a GET's headers.
import { createServer, type Server, type Socket } from 'node:net';

export type BackendKind = 'http' | 'echo';

const HEADERS_MAX = 64 * 1024; // a request whose headers grow past this is dropped

export class Backend {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  /** Requests answered (http) or connections accepted (echo) since start. */
  served = 0;
  /** When it last came back from a kill, and when it first served after that. */
  restartedAt: number | undefined;
  firstServedAfterRestart: number | undefined;
  /** performance.now() of every kill (to tell the requests it took with it from the others). */
  readonly killedAt: number[] = [];

  constructor(
    readonly name: string,
    readonly kind: BackendKind,
  ) {}

  get port(): number {
    return this.#port;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.#accept(s));
    // Backlog as large as the proxies': a backend must not be the one refusing clients.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.#port, host: '127.0.0.1', backlog: 4096 }, resolve);
    });
    server.on('error', () => undefined);
    const a = server.address();
    if (a && typeof a !== 'string') this.#port = a.port;
    this.#server = server;
  }

  /** Stops listening and drops every connection, as a crash would. */
  kill(): void {
    if (this.#server) this.killedAt.push(performance.now());
    this.#server?.close();
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  async restart(): Promise<void> {
    await this.start();
    this.restartedAt = Date.now();
    this.firstServedAfterRestart = undefined;
  }

  /**
   * Milliseconds from the last restart to the first request served after it; when none was
   * served yet, the time from the restart to `now` (a lower bound).
   */
  backInRotationMs(now = Date.now()): number | undefined {
    if (this.restartedAt === undefined || this.restartedAt > now) return undefined;
    return (this.firstServedAfterRestart ?? now) - this.restartedAt;
  }

  #served(): void {
    this.served++;
    if (this.restartedAt !== undefined && this.firstServedAfterRestart === undefined)
      this.firstServedAfterRestart = Date.now();
  }

  #accept(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => undefined);
    if (this.kind === 'echo') {
      this.#served();
      s.pipe(s); // ends its side when the client ends its own
      return;
    }
    const body = `ok ${this.name}\n`;
    const reply = (close: boolean): string =>
      `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: ${close ? 'close' : 'keep-alive'}\r\n\r\n${body}`;
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      buf += d;
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const close = /\r\nconnection:\s*close/i.test(head);
        this.#served();
        s.write(reply(close));
        if (close) {
          s.end();
          return;
        }
      }
      if (buf.length > HEADERS_MAX) s.destroy();
    });
    s.on('end', () => s.end());
  }
}

/** Starts `count` backends of one kind. */
export async function startBackends(prefix: string, kind: BackendKind, count: number): Promise<Backend[]> {
  const out: Backend[] = [];
  for (let i = 0; i < count; i++) {
    const b = new Backend(`${prefix}${i + 1}`, kind);
    await b.start();
    out.push(b);
  }
  return out;
}

/** Every kill of these backends, in order. */
export const killsOf = (backends: readonly Backend[]): { backend: string; at: number }[] =>
  backends.flatMap((b) => b.killedAt.map((at) => ({ backend: b.name, at }))).sort((a, b) => a.at - b.at);

export function killAll(backends: readonly Backend[]): void {
  for (const b of backends) b.kill();
}
