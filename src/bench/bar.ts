import { medianOf, ratioOf, type Results } from './results.js';

export interface BarCheck {
  readonly goal: string;
  readonly measured: string;
  /** undefined: not measured in this run */
  readonly met: boolean | undefined;
}

/** Slow-reader RSS growth below this counts as flat: GC and JIT noise, not buffered bytes. */
export const FLAT_RSS_MIB = 8;

/** The bar of issue 4, checked for one of our variants against HAProxy in the same run. */
export function checkBar(results: Results, ours: string): BarCheck[] {
  const ratio = (workload: string, metric: string): number | undefined => {
    const row = results.get(workload, metric);
    return ratioOf(medianOf(row, ours), medianOf(row, 'haproxy'));
  };
  const mine = (workload: string, metric: string): number | undefined => medianOf(results.get(workload, metric), ours);
  const atLeast = (goal: string, v: number | undefined, min: number, unit = 'x'): BarCheck => ({
    goal,
    measured: v === undefined ? 'not measured' : `${v.toFixed(2)}${unit}`,
    met: v === undefined ? undefined : v >= min,
  });
  const atMost = (goal: string, v: number | undefined, max: number, unit = 'x'): BarCheck => ({
    goal,
    measured: v === undefined ? 'not measured' : `${v.toFixed(2)}${unit}`,
    met: v === undefined ? undefined : v <= max,
  });
  return [
    atLeast('new connection per request: >= 0.7x HAProxy conn/s', ratio('conn', 'connections/s'), 0.7),
    atMost('keep-alive: <= 1.2x HAProxy CPU per request', ratio('keepalive', 'CPU per request'), 1.2),
    atMost('keep-alive: p99 latency <= 1.5x HAProxy', ratio('keepalive', 'p99 latency'), 1.5),
    atLeast('bulk client->backend: >= 0.95x HAProxy Gbit/s', ratio('bulk-up', 'throughput'), 0.95),
    atLeast('bulk backend->client: >= 0.95x HAProxy Gbit/s', ratio('bulk-down', 'throughput'), 0.95),
    atMost('<= 6 KB per idle proxied connection', mine('idle', 'memory per connection'), 6, ' KB'),
    atMost(
      `slow readers: RSS flat (growth <= ${FLAT_RSS_MIB} MiB)`,
      mine('slow', 'RSS growth during run'),
      FLAT_RSS_MIB,
      ' MiB',
    ),
  ];
}

/**
 * The UDP goal of issue 13: at least nginx's datagrams per second per core, that is at most its CPU
 * per datagram (a proxy pinned to one core that needs less CPU per datagram forwards more of them).
 */
export function checkUdpGoal(results: Results, ours: string, sessions: readonly string[]): BarCheck[] {
  return sessions.map((label) => {
    const row = results.get('udp', `CPU per datagram, ${label}`);
    const v = ratioOf(medianOf(row, ours), medianOf(row, 'nginx'));
    return {
      goal: `UDP, ${label}: CPU per datagram <= nginx's (datagrams/s per core >= nginx's)`,
      measured: v === undefined ? 'not measured' : `${v.toFixed(2)}x nginx's CPU per datagram`,
      met: v === undefined ? undefined : v <= 1,
    };
  });
}

export function renderBar(label: string, checks: readonly BarCheck[], title = 'The bar (issue 4)'): string {
  const mark = (m: boolean | undefined): string => (m === undefined ? '  ?  ' : m ? ' met ' : 'MISSED');
  return [`${title} for ${label}:`, ...checks.map((c) => `  [${mark(c.met)}] ${c.goal}: ${c.measured}`)].join('\n');
}
