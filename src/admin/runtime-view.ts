import { formatHostPort } from '../core/address.js';
import type { ReloadResult } from '../control/reload-result.js';
import { openBytes, type OpenBytes } from '../listener/open-bytes.js';
import type { PoolRuntime } from '../pool/pool-runtime.js';
import { targetSpecs } from '../pool/pool-runtime.js';
import type { Target } from '../pool/target.js';
import type { RuntimeView } from '../runtime.js';
import { udpListenersView } from '../udp/udp-status.js';

// JSON views of the running state for GET /api/status and the pool routes. Pure over the
// runtime objects: times become ISO strings, nothing is mutated.

const iso = (ms: number): string => new Date(ms).toISOString();

/** Bytes of the connections open now, to add to the counts of closed ones. */
export const openBytesOf = (app: Pick<RuntimeView, 'listeners'>): OpenBytes => openBytes(app.listeners().values());

const inConfig = (rt: PoolRuntime): Set<string> => new Set(targetSpecs(rt.config).map((s) => s.id));

export function targetView(rt: PoolRuntime, t: Target, open: OpenBytes, configured = inConfig(rt)) {
  const live = open.targets.get(rt.name)?.get(t.id);
  return {
    address: t.id,
    weight: t.weight,
    backup: t.spec.backup,
    health: t.health,
    admin: t.admin,
    /** Gets new connections now: ready, not down, still a member. */
    eligible: t.eligible,
    /** Removed (by a reload or the API) and finishing its open connections. */
    removed: t.removed,
    /** Named by the config file; false for a target added through the API. */
    fromConfig: configured.has(t.id),
    activeConnections: t.activeConnections,
    totalConnections: t.totalConnections,
    bytesFromClient: t.bytesFromClient + (live?.fromClient ?? 0),
    bytesToClient: t.bytesToClient + (live?.toClient ?? 0),
    lastCheck: t.lastCheck ? { ...t.lastCheck, at: iso(t.lastCheck.at) } : null,
    lastChange: t.lastChange ? { at: iso(t.lastChange.at), cause: t.lastChange.cause } : null,
  };
}

/** Membership or weights changed through the API: the next reload resets them. */
export const changedAtRuntime = (app: Pick<RuntimeView, 'store'>, pool: string): boolean =>
  app.store.pool(pool)?.changedAtRuntime ?? false;

export function poolView(rt: PoolRuntime, open: OpenBytes, changedAtRuntime: boolean) {
  const configured = inConfig(rt);
  const view = (t: Target) => targetView(rt, t, open, configured);
  const targets = rt.pool.targets();
  const retired = rt.pool.retired();
  return {
    name: rt.name,
    algorithm: rt.pool.balancerKind,
    usingBackups: rt.pool.usingBackups,
    /** Membership or weights changed through the API: the next reload resets them to the config. */
    changedAtRuntime,
    eligibleTargets: targets.filter((t) => t.eligible).length,
    activeConnections: [...targets, ...retired].reduce((n, t) => n + t.activeConnections, 0),
    totalConnections: [...targets, ...retired].reduce((n, t) => n + t.totalConnections, 0),
    healthCheck: rt.config.healthCheck.type,
    targets: targets.map(view),
    /** Removed targets that still have open connections. */
    draining: retired.map(view),
  };
}

export function statusView(
  app: RuntimeView,
  control: {
    readonly now: number;
    readonly startedAt: number;
    readonly version: number;
    readonly lastReload: ReloadResult | undefined;
  },
) {
  const open = openBytesOf(app);
  return {
    now: iso(control.now),
    startedAt: iso(control.startedAt),
    config: { version: control.version, lastReload: control.lastReload ?? null },
    listeners: [...app.listeners().values()].map((l) => ({
      name: l.name,
      pool: app.config?.listeners[l.name]?.pool ?? null,
      address: formatHostPort({ host: l.settings.host, port: l.port }),
      maxConnections: l.settings.maxConnections ?? null,
      activeConnections: l.activeConnections,
      totalConnections: l.totalConnections,
    })),
    ...(app.udp ? { udpListeners: udpListenersView(app.udp, app.config) } : {}),
    pools: [...app.pools().values()].map((p) => poolView(p, open, changedAtRuntime(app, p.name))),
  };
}
