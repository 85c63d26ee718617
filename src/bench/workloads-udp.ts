import { DnsLoad, type LoadResult } from './dns-load.js';
import { treeUsage } from './proc-stats.js';
import type { Running } from './systems.js';
import { measured, sleep, type Figure, type Workload, type WorkloadContext } from './workload.js';

/** Client sessions of the many-sessions run, and as many again for the memory figure. */
export const UDP_SESSIONS = 1000;
/** Queries in flight in all, with one session or with many: only the number of sessions differs. */
export const UDP_IN_FLIGHT = 64;
/** The two runs' labels, in the figures' names (`queries/s, 1 session`). */
export const UDP_SESSION_LABELS = ['1 session', `${UDP_SESSIONS} sessions`] as const;
/** A query unanswered this long is lost (a DNS stub waits longer; the load must not stall). */
const TIMEOUT_MS = 1000;

/** One load run of `load`'s sessions: warm-up, then measured, with the proxy's CPU around it. */
async function loadFigures(ctx: WorkloadContext, target: Running, load: DnsLoad, label: string): Promise<Figure[]> {
  const t = ctx.timing;
  if (t.warmSeconds > 0) await load.run(t.warmSeconds, UDP_IN_FLIGHT, TIMEOUT_MS);
  const m = await measured(ctx, target, () => load.run(t.seconds, UDP_IN_FLIGHT, TIMEOUT_MS));
  return udpFigures(m.result, m.cpuSec, target.pid !== undefined, label);
}

/**
 * The figures of one run: answered queries per second (each a datagram to the target and one
 * back), CPU per datagram through the proxy (both directions counted), loss and latency.
 */
export function udpFigures(r: LoadResult, cpuSec: number, proxied: boolean, label: string): Figure[] {
  const datagrams = r.sent + r.answered;
  return [
    { metric: `queries/s, ${label}`, unit: 'query/s', better: 'higher', value: r.answered / r.seconds },
    ...(proxied && datagrams > 0
      ? [
          {
            metric: `CPU per datagram, ${label}`,
            unit: 'µs',
            better: 'lower',
            value: (cpuSec / datagrams) * 1e6,
          } as const,
        ]
      : []),
    {
      metric: `loss, ${label}`,
      unit: '%',
      better: 'lower',
      value: r.sent > 0 ? (r.lost / r.sent) * 100 : 100,
      ratio: false,
    },
    ...(Number.isFinite(r.p50Us)
      ? [{ metric: `p50 latency, ${label}`, unit: 'µs', better: 'lower', value: r.p50Us } as const]
      : []),
    ...(Number.isFinite(r.p99Us)
      ? [{ metric: `p99 latency, ${label}`, unit: 'µs', better: 'lower', value: r.p99Us } as const]
      : []),
  ];
}

/** RSS of the proxy's process tree, after a short settle (the sessions' allocations land). */
async function rss(ctx: WorkloadContext, target: Running): Promise<number> {
  await sleep(Math.min(1000, ctx.timing.seconds * 200));
  return treeUsage(target.pid!, ctx.units).rssBytes;
}

/**
 * DNS queries through the proxy to two dnsmasq (round-robin): with one client session, then with
 * 1,000, the same queries in flight in all; then the memory of 1,000 more sessions, each opened
 * by one query and then idle (kept until the idle timeout, 30 s everywhere).
 */
export const udpDns: Workload = {
  id: 'udp',
  title: `UDP: DNS queries to dnsmasq, ${UDP_IN_FLIGHT} in flight, over 1 and ${UDP_SESSIONS} client sessions`,
  needs: ['dnsmasq'],
  protocol: 'udp',
  appliesTo: (s) => s.kind !== 'haproxy', // HAProxy has no UDP
  upstreams: (b) => b.dns,
  maxConn: () => 2 * UDP_SESSIONS + 64,
  run: async (ctx, target) => {
    const figures: Figure[] = [];
    const one = await DnsLoad.open(target.port, 1);
    try {
      figures.push(...(await loadFigures(ctx, target, one, UDP_SESSION_LABELS[0])));
    } finally {
      await one.close();
    }
    const many = await DnsLoad.open(target.port, UDP_SESSIONS);
    try {
      figures.push(...(await loadFigures(ctx, target, many, UDP_SESSION_LABELS[1])));
      if (target.pid !== undefined) {
        // The first sessions paid for one-time allocations: measure the next ones.
        const before = await rss(ctx, target);
        await many.grow(UDP_SESSIONS);
        const after = await rss(ctx, target);
        figures.push({
          metric: 'memory per session',
          unit: 'KB',
          better: 'lower',
          value: (after - before) / UDP_SESSIONS / 1024,
        });
      }
    } finally {
      await many.close();
    }
    return figures;
  },
};
