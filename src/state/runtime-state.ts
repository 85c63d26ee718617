import type { Logger } from '../log/logger.js';
import type { RuntimeView } from '../runtime.js';
import { RESTORE_WRITER, type TargetState } from '../store/types.js';
import type { SavedPool, SavedState, SavedTarget } from './saved-state.js';

const CAUSE = 'state restored';

const savedTarget = (t: TargetState): SavedTarget => ({
  id: t.id,
  host: t.spec.host,
  port: t.spec.port,
  weight: t.spec.weight,
  backup: t.spec.backup,
  ...(t.spec.maxConnections !== undefined ? { maxConnections: t.spec.maxConnections } : {}),
  admin: t.admin,
  health: t.health,
  ...(t.lastChange ? { healthSince: t.lastChange.at } : {}),
});

/** The runtime state worth keeping, read from the target store: per pool, its targets. */
export function captureState(app: RuntimeView, now: number): SavedState {
  const pools: Record<string, SavedPool> = {};
  for (const [name, p] of Object.entries(app.store.snapshot().pools))
    pools[name] = { changedAtRuntime: p.changedAtRuntime, targets: p.targets.map(savedTarget) };
  return { format: 'tcp-loadbalancer-state', version: 1, savedAt: new Date(now).toISOString(), pools };
}

export interface RestoreReport {
  readonly pools: string[];
  /** Pools of the saved state that the config no longer names (left alone). */
  readonly skipped: string[];
}

/**
 * Applies saved state, through the target store, to the pools the running config still names:
 * membership and weights when they had been changed at runtime, admin state, and the last known
 * health, marked as coming from `origin` (stale from a file) until the next check says otherwise.
 */
export function restoreState(app: RuntimeView, saved: SavedState, o: { origin: string; log: Logger }): RestoreReport {
  const report = { pools: [] as string[], skipped: [] as string[] };
  const { store } = app;
  for (const [name, sp] of Object.entries(saved.pools)) {
    if (!store.pool(name)) {
      report.skipped.push(name);
      continue;
    }
    report.pools.push(name);
    if (sp.changedAtRuntime) restoreMembership(app, name, sp);
    // Without checks nothing would ever correct a stale health: then it stays unknown.
    const checked = app.config?.pools[name]?.healthCheck.type !== 'none';
    for (const st of sp.targets) {
      const t = store.target(name, st.id);
      if (!t) continue; // the config no longer names it, and it was not added at runtime
      if (st.admin !== t.admin) store.setAdminState(name, st.id, st.admin, CAUSE, RESTORE_WRITER);
      if (checked && st.admin !== 'maint' && st.health !== 'unknown' && t.health === 'unknown') {
        const since = st.healthSince === undefined ? '' : ` since ${new Date(st.healthSince).toISOString()}`;
        store.setHealth(name, st.id, st.health, `${o.origin}${since}`);
      }
    }
  }
  if (report.skipped.length > 0)
    o.log.warn(`state: pools no longer in the config are ignored: ${report.skipped.join(', ')}`);
  return report;
}

function restoreMembership(app: RuntimeView, pool: string, sp: SavedPool): void {
  const { store } = app;
  const saved = new Map(sp.targets.map((t) => [t.id, t]));
  for (const t of store.pool(pool)?.targets ?? [])
    if (!saved.has(t.id)) store.removeTarget(pool, t.id, CAUSE, RESTORE_WRITER);
  for (const st of sp.targets) {
    const t = store.target(pool, st.id);
    const { id, host, port, weight, backup, maxConnections } = st;
    if (!t)
      store.addTarget(
        pool,
        { id, host, port, weight, backup, ...(maxConnections !== undefined ? { maxConnections } : {}) },
        CAUSE,
        RESTORE_WRITER,
      );
    else if (t.spec.weight !== weight) store.setWeight(pool, id, weight, CAUSE, RESTORE_WRITER);
  }
}
