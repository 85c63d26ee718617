import { connect, createServer } from 'node:net';
import type { Spawned } from './procs.js';

/** A port that was free a moment ago on 127.0.0.1 (handed to programs that need a number). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', resolve);
  });
  const a = s.address();
  await new Promise((r) => s.close(r));
  if (!a || typeof a === 'string') throw new Error('no port');
  return a.port;
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** Waits until `port` accepts connections; fails if `proc` exits first or after `timeoutMs`. */
export async function waitForPort(port: number, proc: Spawned, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive()) throw new Error(`${proc.name} exited: ${proc.stderr().slice(-500)}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${proc.name} did not listen on ${port} within ${timeoutMs} ms: ${proc.stderr().slice(-500)}`);
}
