import type { RuntimeView } from '../runtime.js';
import { ADMIN_STATES, type HealthState } from '../core/types.js';
import type { PoolRuntime } from '../pool/pool-runtime.js';
import { isEligible } from '../pool/target.js';
import type { Catalog } from './catalog.js';

/** A data plane (its pools), the control plane (its store), or one process with both. */
export type RuntimeSource = Pick<RuntimeView, 'listeners' | 'relayStatus' | 'udp'> & {
  /** The data plane's pools: open connections and queues. */
  pools?(): ReadonlyMap<string, PoolRuntime>;
  /** The control plane's store: health, admin states, weights. */
  readonly store?: RuntimeView['store'];
};

const HEALTH_STATES: readonly HealthState[] = ['healthy', 'unhealthy', 'unknown'];

/**
 * Which gauges a registry owns. In a cluster each worker exports the `data` gauges (its open
 * connections) and the primary the `control` ones (health, admin state, weights), so that the
 * aggregator's sum over processes is right for both.
 */
export type GaugeScope = 'all' | 'data' | 'control';

/**
 * Sets the gauges that mirror runtime state (open connections, health, admin state, weights).
 * Read at scrape time rather than counted from events, so a removed target or listener simply
 * disappears and nothing can drift.
 */
export function refreshRuntimeGauges(c: Catalog, rt: RuntimeSource, scope: GaugeScope = 'all'): void {
  if (scope !== 'control') refreshDataGauges(c, rt);
  if (scope !== 'data') refreshControlGauges(c, rt);
}

function refreshDataGauges(c: Catalog, rt: RuntimeSource): void {
  for (const g of [c.listenerActive, c.listenerNativeAccept, c.poolActive, c.poolQueued, c.targetActive]) g.reset();
  for (const [listener, l] of rt.listeners()) c.listenerActive.set({ listener }, l.activeConnections);
  const status = rt.relayStatus?.();
  const relay = status?.mode;
  if (relay) for (const mode of ['native', 'js'] as const) c.relayMode.set({ mode }, relay === mode ? 1 : 0);
  const natively = status?.nativeAccept;
  if (natively)
    for (const [listener] of rt.listeners())
      c.listenerNativeAccept.set({ listener }, natively.includes(listener) ? 1 : 0);
  for (const [pool, p] of rt.pools?.() ?? []) {
    let active = 0;
    for (const t of p.pool.targets()) {
      active += t.activeConnections;
      c.targetActive.set({ pool, target: t.id }, t.activeConnections);
    }
    for (const t of p.pool.retired()) active += t.activeConnections;
    c.poolActive.set({ pool }, active);
    c.poolQueued.set({ pool }, p.pool.queue.length);
  }
}

function refreshControlGauges(c: Catalog, rt: RuntimeSource): void {
  for (const g of [c.poolEligibleTargets, c.targetHealth, c.targetAdminState, c.targetWeight]) g.reset();
  for (const [pool, p] of Object.entries(rt.store?.snapshot().pools ?? {})) {
    let eligible = 0;
    for (const t of p.targets) {
      const target = t.id;
      if (isEligible({ removed: false, admin: t.admin, weight: t.spec.weight, health: t.health })) eligible++;
      c.targetWeight.set({ pool, target }, t.spec.weight);
      for (const state of HEALTH_STATES) c.targetHealth.set({ pool, target, state }, t.health === state ? 1 : 0);
      for (const state of ADMIN_STATES) c.targetAdminState.set({ pool, target, state }, t.admin === state ? 1 : 0);
    }
    c.poolEligibleTargets.set({ pool }, eligible);
  }
}
