import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

/**
 * `count` distinct ports that were free a moment ago: every one is held open until all are picked,
 * since freePort() called in a row can hand out the same port twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    const ports: number[] = [];
    for (const s of servers) {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
      const a = s.address();
      if (!a || typeof a === 'string') throw new Error('no port');
      ports.push(a.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
  }
}

const readLines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return []; // no IPv6, or not Linux
  }
};

/**
 * Whether something listens on 127.0.0.1:`port` (or any address), from /proc/net/tcp (udp: a
 * bound UDP socket, from /proc/net/udp): a probe connection would reach the backend behind a
 * proxy, and an iperf3 server serves one client at a time, so a probe arriving late made the real
 * test fail.
 */
export function isListening(port: number, protocol: 'tcp' | 'udp' = 'tcp'): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const state = protocol === 'tcp' ? '0A' : '07'; // LISTEN; a bound UDP socket is "closed"
  for (const file of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    for (const line of readLines(file)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === state && f[1]?.endsWith(hex)) return true;
    }
  }
  return false;
}

/** Waits until `port` is listening; fails if `proc` exits first or after `timeoutMs`. */
export async function waitForPort(
  port: number,
  proc: Spawned,
  timeoutMs = 30_000,
  protocol: 'tcp' | 'udp' = 'tcp',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive()) throw new Error(`${proc.name} exited: ${proc.stderr().slice(-500)}`);
    if (isListening(port, protocol)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${proc.name} did not listen on ${port} within ${timeoutMs} ms: ${proc.stderr().slice(-500)}`);
}
