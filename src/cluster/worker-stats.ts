import { openBytes, type OpenBytes } from '../listener/open-bytes.js';
import type { PoolRuntime } from '../pool/pool-runtime.js';
import type { Target } from '../pool/target.js';
import type { RelayStatus } from '../proxy/relay-choice.js';
import type { ListenerView } from '../runtime.js';
import type { WorkerStats } from './messages.js';

// Connection counters live in the data planes (they run the sessions): each reports its own, and
// the views read them beside the target store (admin/runtime-view.ts). Pure functions over
// values: collect in a data plane, sum over the workers of a cluster.

type Counters = WorkerStats['pools'][string][string];

/** pool → target id → counters, of one data plane or summed over the workers. */
export type PlaneTraffic = WorkerStats['pools'];

/** What collectStats() reads: a data plane. */
export interface TrafficSource {
  listeners(): ReadonlyMap<string, ListenerView>;
  pools(): ReadonlyMap<string, PoolRuntime>;
  relayStatus?(): RelayStatus;
}

// Bytes of closed connections plus those of the ones still open, as a single process shows them.
// A removed target still draining carries what it was, for the views' `draining` list.
const countersOf = (t: Target, pool: string, open: OpenBytes): Counters => {
  const live = open.targets.get(pool)?.get(t.id);
  return {
    active: t.activeConnections,
    total: t.totalConnections,
    bytesFromClient: t.bytesFromClient + (live?.fromClient ?? 0),
    bytesToClient: t.bytesToClient + (live?.toClient ?? 0),
    ...(t.removed ? { retired: { spec: { ...t.spec }, health: t.health, admin: t.admin } } : {}),
  };
};

const NO_SESSIONS: ReturnType<ListenerView['sessions']> = new Set();

/** A worker's listeners and per-target counters (targets removed but still draining included). */
export function collectStats(rt: TrafficSource): WorkerStats {
  const pools: WorkerStats['pools'] = {};
  const open = openBytes(rt.listeners().values());
  for (const [name, p] of rt.pools()) {
    const targets: Record<string, Counters> = {};
    for (const t of [...p.pool.retired(), ...p.pool.targets()]) targets[t.id] = countersOf(t, name, open);
    pools[name] = targets;
  }
  const listeners = [...rt.listeners().values()].map((l) => ({
    name: l.name,
    host: l.settings.host,
    port: l.port,
    maxConnections: l.settings.maxConnections ?? null,
    keepAliveMs: l.settings.keepAliveMs,
    active: l.activeConnections,
    total: l.totalConnections,
  }));
  const relay = rt.relayStatus?.();
  return { connections: listeners.reduce((n, l) => n + l.active, 0), listeners, pools, ...(relay ? { relay } : {}) };
}

/** The listeners of all workers, their counters summed (every worker listens on the same ones). */
export function sumListeners(all: readonly WorkerStats[]): Map<string, ListenerView> {
  const out = new Map<string, ListenerView>();
  for (const s of all)
    for (const l of s.listeners) {
      const prev = out.get(l.name);
      out.set(l.name, {
        name: l.name,
        settings: {
          name: l.name,
          host: l.host,
          port: l.port,
          maxConnections: l.maxConnections ?? undefined,
          keepAliveMs: l.keepAliveMs,
        },
        port: l.port,
        activeConnections: (prev?.activeConnections ?? 0) + l.active,
        totalConnections: (prev?.totalConnections ?? 0) + l.total,
        sessions: () => NO_SESSIONS,
      });
    }
  return out;
}

/** The target counters of all workers, summed (a removed target drains in each of them). */
export function sumTraffic(all: readonly WorkerStats[]): PlaneTraffic {
  const out: Record<string, Record<string, Counters>> = {};
  for (const s of all)
    for (const [pool, targets] of Object.entries(s.pools)) {
      const into = (out[pool] ??= {});
      for (const [id, c] of Object.entries(targets)) {
        const prev = into[id];
        into[id] = prev
          ? {
              ...prev,
              active: prev.active + c.active,
              total: prev.total + c.total,
              bytesFromClient: prev.bytesFromClient + c.bytesFromClient,
              bytesToClient: prev.bytesToClient + c.bytesToClient,
              ...((prev.retired ?? c.retired) ? { retired: prev.retired ?? c.retired } : {}),
            }
          : c;
      }
    }
  return out;
}
