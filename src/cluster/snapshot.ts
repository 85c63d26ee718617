import type { Config } from '../config/schema.js';
import type { PoolRuntime } from '../pool/pool-runtime.js';
import type { Snapshot, TargetState } from './messages.js';

// The data-plane snapshot: what a worker needs of the primary's control plane. Built from the
// primary's pools (which the admin API and the health checks change), applied by each worker to
// its own pools in one synchronous pass, so that no connection is balanced on a half-applied one.

/** Target membership, weights, health and admin state of every pool. */
export function targetStates(pools: ReadonlyMap<string, PoolRuntime>): Record<string, TargetState[]> {
  const out: Record<string, TargetState[]> = {};
  for (const [name, rt] of pools)
    out[name] = rt.pool.targets().map((t) => ({ spec: { ...t.spec }, health: t.health, admin: t.admin }));
  return out;
}

export function buildSnapshot(
  version: number,
  configVersion: number,
  config: Config,
  pools: ReadonlyMap<string, PoolRuntime>,
): Snapshot {
  return { v: 1, type: 'snapshot', version, configVersion, config, pools: targetStates(pools) };
}

/**
 * Makes a worker's pools match the primary's: membership and weights first (unchanged targets
 * keep their counters), then admin state and health. Pools the worker does not have (yet) are
 * skipped: the snapshot that creates them carries their state too.
 */
export function applyTargetStates(
  pools: ReadonlyMap<string, PoolRuntime>,
  states: Readonly<Record<string, readonly TargetState[]>>,
  now: number,
): void {
  for (const [name, list] of Object.entries(states)) {
    const rt = pools.get(name);
    if (!rt) continue;
    rt.setTargets(list.map((s) => s.spec));
    for (const s of list) {
      const t = rt.pool.get(s.spec.id);
      if (!t) continue;
      if (t.admin !== s.admin) rt.pool.setAdminState(t.id, s.admin);
      rt.pool.setHealth(t.id, s.health, 'set by the primary', now);
    }
  }
}

/** Deep-freezes a received snapshot: workers share it between their pools and never change it. */
export function deepFreeze<T>(value: T): T {
  // Typed arrays (certificate bytes) cannot be frozen; nothing here writes to them.
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
