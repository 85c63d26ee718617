import type { Config } from '../config/schema.js';
import type { PoolRuntime } from '../pool/pool-runtime.js';
import type { TargetStore } from '../store/target-store.js';
import type { Snapshot, TargetState } from './messages.js';

// The data-plane snapshot: what a worker needs of the primary's control plane. Built from the
// primary's target store (which the admin API and the health checks change), applied by each
// worker to its own pools in one synchronous pass, so that no connection is balanced on a
// half-applied one.

/** Target membership, weights, health and admin state of every pool, as the store has them. */
export function targetStates(store: Pick<TargetStore, 'snapshot'>): Record<string, TargetState[]> {
  const out: Record<string, TargetState[]> = {};
  for (const [name, p] of Object.entries(store.snapshot().pools))
    out[name] = p.targets.map((t) => ({
      spec: { ...t.spec },
      health: t.health,
      admin: t.admin,
      ...(t.lastChange ? { lastChange: { at: t.lastChange.at, cause: t.lastChange.cause } } : {}),
    }));
  return out;
}

export function buildSnapshot(
  version: number,
  configVersion: number,
  config: Config,
  store: Pick<TargetStore, 'snapshot'>,
): Snapshot {
  return { v: 1, type: 'snapshot', version, configVersion, config, pools: targetStates(store) };
}

/**
 * Makes a worker's pools match the primary's store (PoolRuntime.sync, as a single process's
 * pools follow its own store). Pools the worker does not have (yet) are skipped: the snapshot
 * that creates them carries their state too.
 */
export function applyTargetStates(
  pools: ReadonlyMap<string, PoolRuntime>,
  states: Readonly<Record<string, readonly TargetState[]>>,
): void {
  for (const [name, list] of Object.entries(states)) pools.get(name)?.sync(list);
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
