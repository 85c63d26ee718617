import { formatHostPort } from '../core/address.js';
import type { ReloadResult } from '../control/reload-result.js';
import type { PlaneTraffic } from '../cluster/worker-stats.js';
import { targetSpecs } from '../pool/pool-runtime.js';
import { isEligible } from '../pool/target.js';
import type { RuntimeView } from '../runtime.js';
import type { TargetState } from '../store/types.js';
import { udpListenersView } from '../udp/udp-status.js';

// JSON views of the running state for GET /api/status and the pool routes. Pure over what the
// control plane holds (the store's targets, the config) and what the data planes report (their
// counters, app.traffic()): times become ISO strings, nothing is mutated.

const iso = (ms: number): string => new Date(ms).toISOString();

type Counters = PlaneTraffic[string][string];
const NO_COUNTERS: Counters = { active: 0, total: 0, bytesFromClient: 0, bytesToClient: 0 };

/** A target as the views show it: the store's, or what a removed one still draining was. */
export type ShownTarget = Pick<TargetState, 'id' | 'spec' | 'admin' | 'health'> &
  Partial<Pick<TargetState, 'lastCheck' | 'lastChange'>>;

/** The targets the config file names in `pool`. */
export const configuredIn = (app: Pick<RuntimeView, 'config'>, pool: string): Set<string> => {
  const p = app.config?.pools[pool];
  return new Set(p ? targetSpecs(p).map((s) => s.id) : []);
};

export function targetView(
  t: ShownTarget,
  c: Counters | undefined,
  o: { readonly removed: boolean; readonly configured: ReadonlySet<string> },
) {
  const counters = c ?? NO_COUNTERS;
  return {
    address: t.id,
    weight: t.spec.weight,
    backup: t.spec.backup,
    health: t.health,
    admin: t.admin,
    /** Gets new connections now: ready, not down, still a member. */
    eligible: isEligible({ removed: o.removed, admin: t.admin, weight: t.spec.weight, health: t.health }),
    /** Removed (by a reload or the API) and finishing its open connections. */
    removed: o.removed,
    /** Named by the config file; false for a target added through the API. */
    fromConfig: o.configured.has(t.id),
    activeConnections: counters.active,
    totalConnections: counters.total,
    bytesFromClient: counters.bytesFromClient,
    bytesToClient: counters.bytesToClient,
    lastCheck: t.lastCheck ? { ...t.lastCheck, at: iso(t.lastCheck.at) } : null,
    lastChange: t.lastChange ? { at: iso(t.lastChange.at), cause: t.lastChange.cause } : null,
  };
}

/** Membership or weights changed through the API: the next reload resets them. */
export const changedAtRuntime = (app: Pick<RuntimeView, 'store'>, pool: string): boolean =>
  app.store.pool(pool)?.changedAtRuntime ?? false;

/** Removed targets that still have open connections in a data plane, as they were. */
export function drainingIn(app: Pick<RuntimeView, 'store'>, pool: string, traffic: PlaneTraffic): ShownTarget[] {
  const members = new Set(app.store.pool(pool)?.targets.map((t) => t.id));
  return Object.entries(traffic[pool] ?? {}).flatMap(([id, c]) =>
    c.retired && c.active > 0 && !members.has(id) ? [{ id, ...c.retired }] : [],
  );
}

export function poolView(app: Pick<RuntimeView, 'store' | 'config'>, name: string, traffic: PlaneTraffic) {
  const configured = configuredIn(app, name);
  const counters = traffic[name] ?? {};
  const targets = app.store.pool(name)?.targets ?? [];
  const draining = drainingIn(app, name, traffic);
  const eligible = (t: ShownTarget): boolean =>
    isEligible({ removed: false, admin: t.admin, weight: t.spec.weight, health: t.health });
  const sum = (key: 'active' | 'total'): number =>
    [...targets, ...draining].reduce((n, t) => n + (counters[t.id]?.[key] ?? 0), 0);
  const config = app.config?.pools[name];
  return {
    name,
    algorithm: config?.algorithm ?? null,
    /** No primary target is eligible: the backups (if any) get the connections. */
    usingBackups: !targets.some((t) => !t.spec.backup && eligible(t)),
    /** Membership or weights changed through the API: the next reload resets them to the config. */
    changedAtRuntime: changedAtRuntime(app, name),
    eligibleTargets: targets.filter(eligible).length,
    activeConnections: sum('active'),
    totalConnections: sum('total'),
    healthCheck: config?.healthCheck.type ?? null,
    targets: targets.map((t) => targetView(t, counters[t.id], { removed: false, configured })),
    /** Removed targets that still have open connections. */
    draining: draining.map((t) => targetView(t, counters[t.id], { removed: true, configured })),
  };
}

/** Every pool, in the store's order. */
export const poolsView = (app: Pick<RuntimeView, 'store' | 'config' | 'traffic'>) => {
  const traffic = app.traffic();
  return Object.keys(app.store.snapshot().pools).map((name) => poolView(app, name, traffic));
};

export function statusView(
  app: RuntimeView,
  control: {
    readonly now: number;
    readonly startedAt: number;
    readonly version: number;
    readonly lastReload: ReloadResult | undefined;
  },
) {
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
    pools: poolsView(app),
  };
}
