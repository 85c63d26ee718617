import { connect, type Socket } from 'node:net';
import { decodeProxyHeader } from '../../src/protocol/proxy-protocol/decode.js';
import type { DecodeResult } from '../../src/protocol/proxy-protocol/types.js';
import { tcpServer, type TestServer } from './net.js';

export interface ProxyBackend extends TestServer {
  /** Every connection's bytes, decoded once the connection ended. */
  readonly received: { result: DecodeResult; payload: string }[];
}

/**
 * A backend that expects a PROXY header: when the client is done sending, it answers with the
 * decoded header and the payload after it, as one JSON line.
 */
export async function proxyBackend(): Promise<ProxyBackend> {
  const received: { result: DecodeResult; payload: string }[] = [];
  const server = await tcpServer((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const result = decodeProxyHeader(bytes);
      const payload = result.status === 'ok' ? bytes.subarray(result.consumed).toString() : '';
      received.push({ result, payload });
      s.end(JSON.stringify({ result, payload }));
    });
  });
  return Object.assign(server, { received });
}

/** Connects from `localAddress` (any 127.x works on Linux loopback), sends, ends, reads all. */
export function sendFrom(
  localAddress: string,
  port: number,
  data: Buffer | string,
): Promise<{ reply: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let localPort = 0;
    const timer = setTimeout(() => s.destroy(new Error('sendFrom timed out')), 5000);
    s.on('connect', () => {
      localPort = s.localPort ?? 0;
      s.end(data);
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e) => {
      clearTimeout(timer);
      if ((e as NodeJS.ErrnoException).code === 'ECONNRESET')
        resolve({ reply: Buffer.concat(chunks).toString(), localPort });
      else reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks).toString(), localPort });
    });
  });
}
