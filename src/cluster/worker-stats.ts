import { openBytes, type OpenBytes } from '../listener/open-bytes.js';
import type { PoolRuntime } from '../pool/pool-runtime.js';
import type { Target } from '../pool/target.js';
import type { ListenerView, RuntimeView } from '../runtime.js';
import type { WorkerStats } from './messages.js';

// Connection counters live in the workers (they run the sessions); the primary's admin API shows
// their sum. Pure functions over values: collect in a worker, sum and mirror in the primary.

type Counters = WorkerStats['pools'][string][string];

// Bytes of closed connections plus those of the ones still open, as a single process shows them.
const countersOf = (t: Target, pool: string, open: OpenBytes): Counters => {
  const live = open.targets.get(pool)?.get(t.id);
  return {
    active: t.activeConnections,
    total: t.totalConnections,
    bytesFromClient: t.bytesFromClient + (live?.fromClient ?? 0),
    bytesToClient: t.bytesToClient + (live?.toClient ?? 0),
  };
};

const NO_SESSIONS: ReturnType<ListenerView['sessions']> = new Set();

/** A worker's listeners and per-target counters (targets removed but still draining included). */
export function collectStats(rt: Pick<RuntimeView, 'listeners' | 'pools'>): WorkerStats {
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
  return { connections: listeners.reduce((n, l) => n + l.active, 0), listeners, pools };
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

/**
 * Writes the workers' summed counters into the primary's targets, which carry no connections of
 * their own, so that the pool and target views of the admin API read as in one process. A target
 * the primary removed while it had connections is forgotten once the workers report none.
 */
export function mirrorCounters(pools: ReadonlyMap<string, PoolRuntime>, all: readonly WorkerStats[]): void {
  for (const [name, rt] of pools) {
    const sum = (id: string): Counters => {
      const c = { active: 0, total: 0, bytesFromClient: 0, bytesToClient: 0 };
      for (const s of all) {
        const w = s.pools[name]?.[id];
        if (!w) continue;
        c.active += w.active;
        c.total += w.total;
        c.bytesFromClient += w.bytesFromClient;
        c.bytesToClient += w.bytesToClient;
      }
      return c;
    };
    for (const t of [...rt.pool.targets(), ...rt.pool.retired()]) {
      const c = sum(t.id);
      t.totalConnections = c.total;
      t.bytesFromClient = c.bytesFromClient;
      t.bytesToClient = c.bytesToClient;
      t.activeConnections = c.active;
      if (t.removed && c.active === 0) rt.pool.forgetRetired(t.id);
    }
  }
}
