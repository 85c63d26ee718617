import { formatHostPort } from '../../src/core/address.js';
import type { AdminState, TargetSpec } from '../../src/core/types.js';
import type { PoolRuntime } from '../../src/pool/pool-runtime.js';
import type { TargetStore } from '../../src/store/target-store.js';

// Runtime changes to a pool of an App, as the admin API makes them: through its target store.

export type StoredPool = PoolRuntime & { readonly store: TargetStore };

export const storedPool = (app: { pools(): ReadonlyMap<string, PoolRuntime>; store: TargetStore }, name: string) =>
  Object.assign(app.pools().get(name)!, { store: app.store });

export const addTarget = (rt: StoredPool, spec: Omit<TargetSpec, 'id'>) =>
  rt.store.addTarget(rt.name, { ...spec, id: formatHostPort(spec) }, 'admin POST by test');

/** Removes a target; returns the data plane's Target, which the removal marks removed. */
export const removeTarget = (rt: StoredPool, id: string) => {
  const t = rt.pool.get(id);
  rt.store.removeTarget(rt.name, id, 'admin DELETE by test');
  return t!;
};

export const setWeight = (rt: StoredPool, id: string, weight: number) =>
  rt.store.setWeight(rt.name, id, weight, 'admin PATCH by test');

export const setAdminState = (rt: StoredPool, id: string, state: AdminState, _now?: number) =>
  rt.store.setAdminState(rt.name, id, state, 'admin PATCH by test');

export const divergesFromConfig = (rt: StoredPool) => rt.store.pool(rt.name)!.changedAtRuntime;
