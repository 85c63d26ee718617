import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, waitForPort } from '../ports.js';
import type { ProcessSet, Spawned } from '../procs.js';
import { openIdle } from '../workloads-memory.js';
import type { DashboardBenchOptions } from './options.js';

const SINK = fileURLToPath(new URL('./sink.js', import.meta.url));

const poolName = (i: number): string => `pool-${String(i).padStart(3, '0')}`;

/** Starts the backends: pools x targets ports in one process. */
export async function startSink(procs: ProcessSet, count: number): Promise<{ proc: Spawned; ports: number[] }> {
  const proc = procs.start('backends', process.execPath, [SINK, String(count)]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const line = proc.stdout().split('\n')[0];
    if (line && proc.stdout().includes('\n')) return { proc, ports: (JSON.parse(line) as { ports: number[] }).ports };
    if (!proc.alive() || Date.now() > deadline) throw new Error(`backends did not start: ${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Balancer {
  readonly proc: Spawned;
  readonly admin: string;
  readonly listenPorts: readonly number[];
}

/** Our balancer from a config of `pools` listeners and pools of `targets` targets each. */
export async function startBalancer(
  procs: ProcessSet,
  opts: DashboardBenchOptions,
  main: string,
  dir: string,
  backendPorts: readonly number[],
): Promise<Balancer> {
  const [adminPort, ...listenPorts] = (await freePorts(opts.pools + 1)) as [number, ...number[]];
  const listeners: Record<string, unknown> = {};
  const pools: Record<string, unknown> = {};
  for (let i = 0; i < opts.pools; i++) {
    listeners[`listen-${i}`] = { bind: `127.0.0.1:${listenPorts[i]}`, pool: poolName(i) };
    const ports = backendPorts.slice(i * opts.targets, (i + 1) * opts.targets);
    pools[poolName(i)] = { targets: ports.map((p) => `127.0.0.1:${p}`), healthCheck: { interval: '2s' } };
  }
  const file = join(dir, 'dashboard-bench.json');
  const config = { listeners, pools, admin: { bind: `127.0.0.1:${adminPort}` }, log: { level: 'warn', access: false } };
  writeFileSync(file, JSON.stringify(config, null, 2));
  const args = [main, '--config', file, ...(opts.workers === undefined ? [] : ['--workers', String(opts.workers)])];
  const proc = procs.start('balancer', process.execPath, args);
  await waitForPort(adminPort, proc, 60_000);
  for (const p of listenPorts) await waitForPort(p, proc, 60_000);
  return { proc, admin: `http://127.0.0.1:${adminPort}`, listenPorts };
}

/** Opens `n` idle connections spread evenly over the listeners; returns those that opened. */
export async function holdConnections(ports: readonly number[], n: number): Promise<Socket[]> {
  const held: Socket[] = [];
  for (let i = 0; i < ports.length; i++) {
    const share = Math.floor(n / ports.length) + (i < n % ports.length ? 1 : 0);
    if (share > 0) held.push(...(await openIdle(ports[i]!, share, 60_000, 100)));
  }
  return held;
}

/** `perSecond` short connections a second, in turn over the listeners (each closed once connected). */
export function churn(ports: readonly number[], perSecond: number): { stop: () => void } {
  if (perSecond <= 0 || ports.length === 0) return { stop: () => undefined };
  let next = 0;
  let owed = 0;
  const tick = setInterval(() => {
    owed += perSecond / 10;
    for (; owed >= 1; owed--) {
      const s = connect({ host: '127.0.0.1', port: ports[next++ % ports.length]! });
      s.on('error', () => undefined);
      s.once('connect', () => s.end('x'));
    }
  }, 100);
  return { stop: () => clearInterval(tick) };
}
