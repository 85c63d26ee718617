import type { App } from '../app.js';
import { ADMIN_STATES, type HealthState } from '../core/types.js';
import type { Catalog } from './catalog.js';

export type RuntimeSource = Pick<App, 'listeners' | 'pools'>;

const HEALTH_STATES: readonly HealthState[] = ['healthy', 'unhealthy', 'unknown'];

/**
 * Sets the gauges that mirror runtime state (open connections, health, admin state, weights).
 * Read at scrape time rather than counted from events, so a removed target or listener simply
 * disappears and nothing can drift.
 */
export function refreshRuntimeGauges(c: Catalog, rt: RuntimeSource): void {
  for (const g of [
    c.listenerActive,
    c.poolActive,
    c.poolEligibleTargets,
    c.poolQueued,
    c.targetActive,
    c.targetHealth,
    c.targetAdminState,
    c.targetWeight,
  ])
    g.reset();
  for (const [listener, l] of rt.listeners()) c.listenerActive.set({ listener }, l.activeConnections);
  for (const [pool, p] of rt.pools()) {
    let active = 0;
    let eligible = 0;
    for (const t of p.pool.targets()) {
      const target = t.id;
      active += t.activeConnections;
      if (t.eligible) eligible++;
      c.targetActive.set({ pool, target }, t.activeConnections);
      c.targetWeight.set({ pool, target }, t.weight);
      for (const state of HEALTH_STATES) c.targetHealth.set({ pool, target, state }, t.health === state ? 1 : 0);
      for (const state of ADMIN_STATES) c.targetAdminState.set({ pool, target, state }, t.admin === state ? 1 : 0);
    }
    for (const t of p.pool.retired()) active += t.activeConnections;
    c.poolActive.set({ pool }, active);
    c.poolEligibleTargets.set({ pool }, eligible);
    c.poolQueued.set({ pool }, p.pool.queue.length);
  }
}
