// Floods of bad input: many connections, each sending one malformed payload (then FIN), timed
// until the proxy closes them. A connection still open after `capMs` is counted as held.
import { connect } from 'node:net';

export interface FloodResult {
  readonly sent: number;
  readonly closedMs: number[];
  readonly held: number;
  /** HTTP status codes of the replies, when the payload was an HTTP request. */
  readonly statuses: Map<string, number>;
}

function probe(port: number, payload: Buffer, capMs: number): Promise<{ ms?: number; status?: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let first = '';
    const s = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({});
    }, capMs);
    s.on('connect', () => {
      if (payload.length > 0) s.write(payload);
      s.end();
    });
    s.on('data', (d: Buffer) => {
      if (first.length < 64) first += d.toString('latin1', 0, 64);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(first)?.[1];
      resolve({ ms: performance.now() - t0, ...(status ? { status } : {}) });
    });
  });
}

export async function flood(o: {
  port: number;
  payloads: readonly Buffer[];
  count: number;
  seconds: number;
  concurrency: number;
  capMs: number;
}): Promise<FloodResult> {
  const closedMs: number[] = [];
  const statuses = new Map<string, number>();
  let sent = 0;
  let held = 0;
  const end = Date.now() + o.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (sent < o.count && Date.now() < end) {
      const payload = o.payloads[sent % o.payloads.length]!;
      sent++;
      const r = await probe(o.port, payload, o.capMs);
      if (r.ms === undefined) held++;
      else closedMs.push(r.ms);
      if (r.status) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  return { sent, closedMs, held, statuses };
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** Malformed PROXY protocol headers: each is invalid for a strict parser, or cut short by the FIN. */
export const BAD_PROXY_HEADERS: readonly Buffer[] = [
  b('PROXY TCP4 1.2.3.4\r\n'),
  b('PROXY TCP4 256.1.1.1 10.0.0.1 1234 80\r\n'),
  b('PROXY TCP9 1.2.3.4 5.6.7.8 1 2\r\n'),
  b(`PROXY ${'A'.repeat(200)}`),
  Buffer.concat([V2_SIG, Buffer.from([0x21, 0x11, 0xff, 0xff, 1, 2, 3, 4])]),
  Buffer.concat([V2_SIG, Buffer.from([0x31, 0x11, 0x00, 0x0c])]),
  b('GET / HTTP/1.0\r\n\r\n'),
  Buffer.alloc(0),
];

/** ClientHellos that cannot complete: nothing, cut short, not TLS, or not a ClientHello. */
export const BAD_CLIENT_HELLOS: readonly Buffer[] = [
  Buffer.alloc(0),
  Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), Buffer.alloc(30, 7)]),
  b('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00]),
  Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00]),
  Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff)),
];

/** Admin requests that must be refused (no token, a wrong one, a body over the limit, garbage). */
export function badAdminRequests(
  goodAuth: string,
  paths: { readonly get: string; readonly post: string },
  bodyBytes: number,
): Buffer[] {
  const req = (method: 'GET' | 'POST', auth: string | undefined, body = 0): Buffer =>
    Buffer.concat([
      b(
        `${method} ${method === 'GET' ? paths.get : paths.post} HTTP/1.1\r\nHost: chaos\r\nConnection: close\r\n` +
          (auth ? `Authorization: ${auth}\r\n` : '') +
          (body ? `Content-Length: ${body}\r\n` : '') +
          '\r\n',
      ),
      Buffer.alloc(body, 0x41),
    ]);
  return [
    req('GET', undefined),
    req('GET', 'Bearer wrong-token'),
    req('POST', goodAuth, bodyBytes),
    req('GET', goodAuth, bodyBytes),
    Buffer.from([0, 1, 2, 3, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]),
  ];
}
