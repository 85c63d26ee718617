import { formatHostPort, parseHostPort } from '../core/address.js';
import { LbError } from '../core/errors.js';
import type { AdminState, TargetId, TargetSpec } from '../core/types.js';
import { targetSpecs, type PoolRuntime } from './pool-runtime.js';
import type { Target } from './target.js';

// Runtime changes to one pool, as the admin API makes them. The rule across reloads: admin state
// (ready/drain/maint) survives for every target the config still names; membership and weights
// are the config's again after any reload (targets added here drain, removed ones come back).

/** The target id for an address as the user wrote it (`127.0.0.1:80`, `[::1]:80`). */
export function targetIdOf(address: string): TargetId {
  return formatHostPort(parseHostPort(address, 'target'));
}

export function findTarget(rt: PoolRuntime, id: TargetId): Target {
  const t = rt.pool.get(id);
  if (t) return t;
  const known = rt.pool.targets().map((x) => x.id);
  throw new LbError(
    'LB_ERR_NOT_FOUND',
    `pool "${rt.name}" has no target ${id}${known.length ? ` (targets: ${known.join(', ')})` : ' (it has no targets)'}`,
  );
}

const currentSpecs = (rt: PoolRuntime): TargetSpec[] => rt.pool.targets().map((t) => t.spec);

/** Adds a target; it starts `ready`, with unknown health until its first check. */
export function addTarget(rt: PoolRuntime, spec: Omit<TargetSpec, 'id'>): Target {
  const id = formatHostPort(spec);
  if (rt.pool.get(id)) throw new LbError('LB_ERR_CONFLICT', `pool "${rt.name}" already has target ${id}`);
  rt.setTargets([...currentSpecs(rt), { ...spec, id }]);
  return rt.pool.get(id)!;
}

/** Removes a target: it gets no new connections and its open ones finish (it drains). */
export function removeTarget(rt: PoolRuntime, id: TargetId): Target {
  const t = findTarget(rt, id);
  rt.setTargets(currentSpecs(rt).filter((s) => s.id !== id));
  return t;
}

/** The weight is validated by the caller (same rule as the config: an integer from 1 to 1000). */
export function setWeight(rt: PoolRuntime, id: TargetId, weight: number): Target {
  const t = findTarget(rt, id);
  rt.setTargets(currentSpecs(rt).map((s) => (s.id === id ? { ...s, weight } : s)));
  return t;
}

/**
 * ready: in rotation; drain: no new connections, open ones finish, still checked; maint: out of
 * rotation and not checked. Leaving maint forgets the old health: the target is `unknown` until
 * its next check, which comes within a second.
 */
export function setAdminState(rt: PoolRuntime, id: TargetId, state: AdminState, now: number): Target {
  const t = findTarget(rt, id);
  const was = t.admin;
  rt.pool.setAdminState(id, state);
  if (state === 'maint' && was !== 'maint') rt.health.untrack(id);
  if (was === 'maint' && state !== 'maint') {
    rt.pool.setHealth(id, 'unknown', 'left maintenance; checks resume', now);
    rt.health.track(t.spec);
  }
  return t;
}

/** Whether runtime changes made membership or weights differ from the pool's config. */
export function divergesFromConfig(rt: PoolRuntime): boolean {
  const key = (specs: readonly TargetSpec[]): string =>
    specs
      .map((s) => `${s.id} ${s.weight} ${s.backup}`)
      .sort()
      .join(',');
  return key(targetSpecs(rt.config)) !== key(currentSpecs(rt));
}
