// Connections that hold a proxy's descriptors without doing anything useful: idle ones (connected,
// silent) and slowloris ones (an HTTP request one byte at a time, never finished).
import { connect, type Socket } from 'node:net';

export interface Holders {
  /** Connections still open. */
  open(): number;
  close(): void;
}

const BATCH = 200; // connects in flight at once: a burst of thousands would overflow the backlog

/** Opens `count` silent connections; resolves once each has connected or failed. */
export async function openIdle(port: number, count: number): Promise<Holders & { failed: number }> {
  const socks = new Set<Socket>();
  let failed = 0;
  for (let i = 0; i < count; i += BATCH) {
    const n = Math.min(BATCH, count - i);
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const s = connect({ port, host: '127.0.0.1' });
            const timer = setTimeout(() => {
              failed++;
              s.destroy();
              resolve();
            }, 10_000);
            s.once('connect', () => {
              clearTimeout(timer);
              socks.add(s);
              resolve();
            });
            s.on('error', () => undefined);
            s.once('close', () => {
              if (!socks.delete(s)) failed++;
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
  return {
    get failed() {
      return failed;
    },
    open: () => socks.size,
    close: () => {
      for (const s of socks) s.destroy();
      socks.clear();
    },
  };
}

const SLOW_REQUEST = 'GET / HTTP/1.1\r\nHost: chaos\r\nUser-Agent: slowloris\r\n';

/** `count` connections that each send one more byte of an endless header every `everyMs`. */
export function openSlowloris(port: number, count: number, everyMs: number): Holders {
  const socks = new Set<Socket>();
  for (let i = 0; i < count; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    s.once('close', () => socks.delete(s));
    socks.add(s);
  }
  let k = 0;
  const timer = setInterval(() => {
    // After the request line, header lines of one letter each: never a blank line, never complete.
    const ch = k < SLOW_REQUEST.length ? SLOW_REQUEST[k]! : k % 2 === 0 ? 'X' : '\n';
    k++;
    for (const s of socks) if (s.writable) s.write(ch);
  }, everyMs);
  return {
    open: () => socks.size,
    close: () => {
      clearInterval(timer);
      for (const s of socks) s.destroy();
      socks.clear();
    },
  };
}
