import type { HealthState, TargetId } from '../core/types.js';
import { sameSpec, type Merged } from './merge.js';
import type { StoreEvent, TargetState } from './types.js';

// How a pool's targets move from one merge to the next, and the events that says. Pure.

/** An event before the store stamps it (revision, time, cause, cause kind, pool). */
export type EventBody = StoreEvent extends infer E
  ? E extends StoreEvent
    ? Omit<E, 'revision' | 'at' | 'cause' | 'causeKind' | 'pool'>
    : never
  : never;

/** A new health for one target, with the event when it changed. */
export function withHealth(
  t: TargetState,
  health: HealthState,
  detail: string,
  now: number,
  events: EventBody[],
): TargetState {
  if (t.health === health) return t;
  events.push({ type: 'health-changed', id: t.id, from: t.health, to: health });
  return { ...t, health, lastChange: { at: now, cause: detail } };
}

/**
 * The members after a merge: new ones start `ready`-or-as-overridden with unknown health, kept
 * ones keep their health, and leaving maintenance forgets it (unknown until the next check).
 * Targets no longer merged are not in `next`; the caller tells their removal.
 */
export function nextTargets(
  old: ReadonlyMap<TargetId, TargetState>,
  merged: ReadonlyMap<TargetId, Merged>,
  now: number,
): { next: Map<TargetId, TargetState>; events: EventBody[] } {
  const next = new Map<TargetId, TargetState>();
  const events: EventBody[] = [];
  for (const [id, m] of merged) {
    const was = old.get(id);
    if (!was) {
      const t: TargetState = {
        id,
        spec: m.spec,
        admin: m.admin,
        health: 'unknown',
        lastChange: undefined,
        lastCheck: undefined,
        sources: m.sources,
      };
      next.set(id, t);
      events.push({ type: 'target-added', target: t });
      continue;
    }
    let t: TargetState = { ...was, spec: m.spec, sources: m.sources };
    if (!sameSpec(was.spec, m.spec)) events.push({ type: 'target-changed', target: t });
    if (was.admin !== m.admin) {
      t = { ...t, admin: m.admin };
      events.push({ type: 'admin-changed', id, from: was.admin, to: m.admin });
      if (was.admin === 'maint') t = withHealth(t, 'unknown', 'left maintenance; checks resume', now, events);
    }
    next.set(id, t);
  }
  return { next, events };
}
