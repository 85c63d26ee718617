import type { Usage } from '../bench/proc-stats.js';
import { startBackends, type Backend } from './backends.js';
import { freePort } from '../bench/ports.js';
import type { TlsFiles } from './configs.js';
import type { ScenarioId, Scale } from './options.js';
import type { LaunchOptions, RunningProxy, SystemId } from './proxies.js';
import type { ProxySpec } from './configs.js';

/** What one scenario measured on one system; a figure left out does not apply to it. */
export interface Figures {
  readonly requests?: number;
  readonly failed?: number;
  /**
   * Of `failed`, those a killed backend took with it (sent to it before it died, or on a
   * connection bound to it): no layer-4 proxy can save them without replaying client bytes.
   */
  readonly failedAtKill?: number;
  /** Streams (or replies) whose bytes arrived intact, of all. */
  readonly intact?: { readonly ok: number; readonly total: number };
  readonly recoveryMs?: number;
  readonly before?: Usage;
  readonly after?: Usage;
  /** The scenario's own figures in words (p99 with and without idle clients, served/reset/waited). */
  readonly detail: string;
  /** The same as numbers, for --json. */
  readonly values?: Readonly<Record<string, number>>;
}

export interface ScenarioContext {
  readonly system: SystemId;
  readonly scale: Scale;
  readonly short: boolean;
  /** Our own open-file limit: the scenarios that hold many sockets scale down to it. */
  readonly nofile: number;
  readonly tls: TlsFiles | undefined;
  /** How long to let connections close before reading the proxy's memory and descriptors. */
  readonly settleMs: number;
  start(spec: ProxySpec, o?: LaunchOptions): Promise<RunningProxy>;
  log(line: string): void;
}

export interface Scenario {
  readonly id: ScenarioId;
  /** Systems it applies to (HAProxy has no equivalent of some faults). */
  readonly systems?: readonly SystemId[];
  run(ctx: ScenarioContext): Promise<Figures>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const ports = async (n: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
};

/**
 * The proxy's usage once the connections of a load had time to close: after `ms`, and then until
 * its descriptor count stops changing (thousands of connections take a while to close on a busy
 * machine), at most 15 s.
 */
export async function settledUsage(p: RunningProxy, ms: number): Promise<Usage> {
  await sleep(ms);
  return steadyUsage(p, 15_000, Math.min(500, ms));
}

/** Polls the proxy's usage until its descriptor count is the same twice `everyMs` apart, or `capMs`. */
export async function steadyUsage(p: RunningProxy, capMs: number, everyMs = 500): Promise<Usage> {
  const end = Date.now() + capMs;
  let u = p.usage();
  while (Date.now() < end) {
    await sleep(everyMs);
    const next = p.usage();
    if (next.fds === u.fds) return next;
    u = next;
  }
  return u;
}

/** Stops the proxy and kills the backends whatever happened in between. */
export async function withProxy<T>(
  start: () => Promise<RunningProxy>,
  body: (p: RunningProxy) => Promise<T>,
  cleanup: () => void,
): Promise<T> {
  let p: RunningProxy | undefined;
  try {
    p = await start();
    return await body(p);
  } finally {
    await p?.stop();
    cleanup();
  }
}

/** Milliseconds from `from` until the first success after the last failure, from per-request records. */
export function recoveryFrom(records: readonly { at: number; ok: boolean }[], from: number): number | undefined {
  let lastFail = -1;
  records.forEach((r, i) => {
    if (r.at >= from && !r.ok) lastFail = i;
  });
  const next = records.slice(lastFail + 1).find((r) => r.at >= from && r.ok);
  return next === undefined ? undefined : next.at - from;
}

/** `count` HTTP backends behind one plain listener in front of one pool: most scenarios' setup. */
export async function webSetup(count: number): Promise<{ backends: Backend[]; port: number; spec: ProxySpec }> {
  const backends = await startBackends('b', 'http', count);
  const [port] = await ports(1);
  const spec: ProxySpec = {
    listeners: [{ name: 'web', port: port!, pool: 'web' }],
    pools: [{ name: 'web', targets: backends.map((b) => ({ port: b.port })) }],
  };
  return { backends, port: port!, spec };
}
