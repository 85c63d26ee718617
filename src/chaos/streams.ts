// Long echo streams through the proxy, checked end to end with SHA-256: what was sent must come
// back, every byte, in order. Paced so that a stream lasts as long as the fault it must outlive.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export interface StreamResult {
  readonly intact: boolean;
  readonly sent: number;
  readonly received: number;
  readonly error?: string;
}

const CHUNK = 64 * 1024;

/** Sends `bytes` over `seconds` (at least) and compares the echo with what was sent. */
export function echoStream(port: number, bytes: number, seconds: number, timeoutMs: number): Promise<StreamResult> {
  const block = randomBytes(CHUNK);
  const sentHash = createHash('sha256');
  const gotHash = createHash('sha256');
  let sent = 0;
  let received = 0;
  const chunks = Math.ceil(bytes / CHUNK);
  const gapMs = (seconds * 1000) / chunks;
  return new Promise((resolve) => {
    let done = false;
    const s = connect({ port, host: '127.0.0.1' });
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const same = sentHash.digest('hex') === gotHash.digest('hex');
      const intact = error === undefined && received === sent && same;
      resolve({ intact, sent, received, ...(error !== undefined ? { error } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const t0 = Date.now();
    const pump = (): void => {
      while (!done && sent < bytes) {
        // The first byte of each chunk carries its index: a chunk lost or repeated changes the hash.
        const n = Math.min(CHUNK, bytes - sent);
        const chunk = Buffer.from(block.subarray(0, n));
        chunk[0] = (sent / CHUNK) & 0xff;
        sentHash.update(chunk);
        sent += n;
        const more = s.write(chunk);
        if (sent >= bytes) {
          s.end();
          return;
        }
        const due = t0 + (sent / CHUNK) * gapMs - Date.now();
        if (due > 0) {
          setTimeout(pump, due);
          return;
        }
        if (!more) {
          s.once('drain', pump);
          return;
        }
      }
    };
    s.on('connect', pump);
    s.on('data', (d: Buffer) => {
      gotHash.update(d);
      received += d.length;
    });
    s.on('end', () => finish(received === bytes ? undefined : `ended after ${received} of ${bytes} bytes`));
    s.on('error', (e) => finish(e.message));
    s.on('close', () => finish('closed'));
  });
}
