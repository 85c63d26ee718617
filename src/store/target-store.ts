import type { Clock } from '../core/clock.js';
import { LbError } from '../core/errors.js';
import type { AdminState, HealthState, TargetId, TargetSpec } from '../core/types.js';
import { EventRing } from './event-ring.js';
import { membershipKey, mergeTargets, type Layer, type OverrideEntry } from './merge.js';
import { nextTargets, withHealth, type EventBody } from './transitions.js';
import {
  ADMIN_ORIGIN,
  ADMIN_WRITER,
  CONFIG_SOURCE,
  type CauseKind,
  type CheckRecord,
  type PoolState,
  type StoreEvent,
  type StoreListener,
  type StoreSnapshot,
  type OverrideWriter,
  type TargetOverride,
  type TargetState,
} from './types.js';

export * from './types.js';

/**
 * The one owner of the state of every target: for every pool, membership, weight, admin state
 * (ready|drain|maint) and health. Membership and specs are merged from layers with one rule
 * (PRECEDENCE in types.ts: config file < discovery sources < runtime overrides; same rank: the
 * later write wins). Every change is a typed event with a revision (+1 per event), a cause (text)
 * and a cause kind (who: config, discovery, admin, fleet, restore, health);
 * listeners get each operation's events at once, after the state changed. Pure: no sockets, no
 * timers, time from the injected clock. Nothing else mutates targets: the data plane (pools and
 * balancers, in this process or in cluster workers) follows the store.
 *
 * What a reload does (applyConfig): the config layer is replaced; membership and weight changes
 * made through the admin API are dropped (the config file is again the word on them), admin
 * states survive for targets that are still members, health survives for unchanged targets.
 * Discovery layers and the overrides of other origins (a fleet) are untouched by a reload.
 */
export class TargetStore {
  readonly #pools = new Map<string, PoolEntry>();
  readonly #listeners = new Set<StoreListener>();
  readonly #ring: EventRing;
  #revision = 0;
  /** While applyConfig() runs: what it drops besides the config layer, for revertConfig(). */
  #undo: ConfigChange | undefined;

  constructor(private readonly deps: { readonly clock: Pick<Clock, 'now'>; readonly ringSize?: number }) {
    this.#ring = new EventRing(deps.ringSize ?? 1024);
  }

  get revision(): number {
    return this.#revision;
  }

  /** The full state: pools the config names, their targets in order, and the revision it is at. */
  snapshot(): StoreSnapshot {
    const pools: Record<string, PoolState> = {};
    for (const [name, p] of this.#pools) if (p.visible) pools[name] = this.#poolState(name, p);
    return { revision: this.#revision, pools };
  }

  pool(name: string): PoolState | undefined {
    const p = this.#pools.get(name);
    return p?.visible ? this.#poolState(name, p) : undefined;
  }

  target(pool: string, id: TargetId): TargetState | undefined {
    return this.#visible(pool)?.targets.get(id);
  }

  /** Calls `listener` with the events of every later operation; returns the unsubscribe. */
  subscribe(listener: StoreListener): () => void {
    const l: StoreListener = (events) => listener(events); // one subscription per call, even for the same function
    this.#listeners.add(l);
    return () => void this.#listeners.delete(l);
  }

  /** Events after `revision`, oldest first; undefined when too old (read snapshot() instead). */
  eventsSince(revision: number): StoreEvent[] | undefined {
    return this.#ring.since(revision, this.#revision);
  }

  /**
   * A reload: replaces the config layer of every pool (pools it no longer names are removed) and
   * drops the admin API's membership and weight overrides made up to revision `startedAt` (when
   * the reload began: a change made while it was being applied is newer than the file, and
   * stays). Returns what revertConfig() needs.
   */
  applyConfig(
    pools: Readonly<Record<string, readonly TargetSpec[]>>,
    cause: string,
    startedAt = this.#revision,
  ): ConfigChange {
    const undo: ConfigChange = { after: 0, previous: this.#configLayers(), restored: [], removed: [] };
    this.#undo = undo;
    this.#operation('config', cause, (emit) => {
      for (const [name, p] of this.#pools)
        for (const [key, e] of p.overrides) {
          // membership and weight only, and only those the reload is newer than
          if (e.origin !== ADMIN_ORIGIN || e.override.admin !== undefined || e.revision > startedAt) continue;
          undo.restored.push({ pool: name, entry: e });
          p.overrides.delete(key);
        }
      this.#replaceConfig(pools, emit);
    });
    this.#undo = undefined;
    (undo as { after: number }).after = this.#revision;
    return undo;
  }

  /**
   * Undoes applyConfig() (a reload the data plane could not apply): the previous config layer,
   * and the admin overrides it dropped, unless something changed them since. Changes made in
   * between (an admin PATCH during the reload) are kept.
   */
  revertConfig(change: ConfigChange, cause: string): void {
    this.#operation('config', cause, (emit) => {
      for (const { pool, entry } of change.restored) {
        const p = this.#pools.get(pool);
        const key = overrideKey(entry);
        const now = p?.overrides.get(key);
        // Written since the reload (an admin PATCH while it was applied): the newer write stays.
        if (p && (!now || now.revision <= change.after)) p.overrides.set(key, entry);
      }
      this.#replaceConfig(change.previous, emit);
      // Targets the reload removed and the revert brought back keep the health they had.
      for (const { pool, target } of change.removed) {
        const p = this.#visible(pool);
        const t = p?.targets.get(target.id);
        if (!p || !t || t.health !== 'unknown' || t.lastChange) continue;
        p.targets.set(
          t.id,
          this.#withHealth(pool, t, target.health, target.lastChange?.cause ?? 'reload reverted', emit),
        );
        p.targets.set(t.id, { ...p.targets.get(t.id)!, lastChange: target.lastChange, lastCheck: target.lastCheck });
      }
    });
  }

  /** A discovery source's whole target set for one pool (empty: it names none now). */
  setSourceTargets(pool: string, source: string, specs: readonly TargetSpec[], cause: string): void {
    if (source === CONFIG_SOURCE)
      throw new LbError('LB_ERR_INVALID_ARGUMENT', 'the config layer is set by applyConfig');
    this.#operation('discovery', cause, (emit) => {
      const p = this.#entry(pool);
      if (specs.length === 0) p.layers.delete(source);
      else p.layers.set(source, { source, kind: 'discovery', revision: this.#revision, specs: [...specs] });
      this.#recompute(pool, p, emit);
    });
  }

  /** Adds a target at runtime; it starts `ready`, with unknown health until its first check. */
  addTarget(pool: string, spec: TargetSpec, cause: string, by = ADMIN_WRITER): TargetState {
    const p = this.#mustPool(pool);
    if (p.targets.has(spec.id)) throw new LbError('LB_ERR_CONFLICT', `pool "${pool}" already has target ${spec.id}`);
    return this.#override(pool, spec.id, by, { member: true, spec }, cause)!;
  }

  /** Removes a target at runtime: it gets no new connections and its open ones finish. */
  removeTarget(pool: string, id: TargetId, cause: string, by = ADMIN_WRITER): TargetState {
    const t = this.requireTarget(pool, id);
    this.#override(pool, id, by, { member: false }, cause);
    return t;
  }

  setWeight(pool: string, id: TargetId, weight: number, cause: string, by = ADMIN_WRITER): TargetState {
    this.requireTarget(pool, id);
    return this.#override(pool, id, by, { weight }, cause)!;
  }

  /** ready: in rotation; drain: no new connections; maint: out of rotation and not checked. */
  setAdminState(pool: string, id: TargetId, admin: AdminState, cause: string, by = ADMIN_WRITER): TargetState {
    this.requireTarget(pool, id);
    return this.#override(pool, id, by, { admin }, cause)!;
  }

  /** A health checker's verdict. `detail` is the target's lastChange cause; the event's cause is `health: detail`. */
  setHealth(pool: string, id: TargetId, health: HealthState, detail: string): boolean {
    const t = this.#visible(pool)?.targets.get(id);
    if (!t || t.health === health) return false;
    this.#operation('health', `health: ${detail}`, (emit) => {
      this.#visible(pool)!.targets.set(id, this.#withHealth(pool, t, health, detail, emit));
    });
    return true;
  }

  /** The result of one active check (kept for the views; not an event). */
  recordCheck(pool: string, id: TargetId, check: CheckRecord): void {
    const p = this.#visible(pool);
    const t = p?.targets.get(id);
    if (p && t) p.targets.set(id, { ...t, lastCheck: check });
  }

  // --- internals ---

  #operation(causeKind: CauseKind, cause: string, body: (emit: Emit) => void): void {
    const events: StoreEvent[] = [];
    const at = this.deps.clock.now();
    body((pool, e) => {
      const event = { ...e, pool, revision: ++this.#revision, at, cause, causeKind } as StoreEvent;
      events.push(event);
      this.#ring.push(event);
    });
    if (events.length > 0) for (const l of [...this.#listeners]) l(events);
  }

  #override(pool: string, id: TargetId, by: OverrideWriter, o: TargetOverride, cause: string): TargetState | undefined {
    const { origin } = by;
    this.#operation(by.kind, cause, (emit) => {
      const p = this.#mustPool(pool);
      const revision = this.#revision + 1; // the revision of this operation's first event
      // One entry per group of facts, so that a later write of one group leaves the others be.
      if (o.member !== undefined) {
        const member: TargetOverride = o.member
          ? { member: true, ...(o.spec ? { spec: o.spec } : {}) }
          : { member: false };
        p.overrides.set(overrideKey({ origin, id, override: member }), { origin, id, override: member, revision });
        if (!o.member) p.overrides.delete(overrideKey({ origin, id, override: { weight: 0 } }));
      }
      if (o.weight !== undefined) {
        const e = { origin, id, override: { weight: o.weight }, revision };
        p.overrides.set(overrideKey(e), e);
      }
      if (o.admin !== undefined) {
        const e = { origin, id, override: { admin: o.admin }, revision };
        p.overrides.set(overrideKey(e), e);
      }
      this.#recompute(pool, p, emit);
    });
    return this.#visible(pool)?.targets.get(id);
  }

  #replaceConfig(pools: Readonly<Record<string, readonly TargetSpec[]>>, emit: Emit): void {
    for (const [name, p] of this.#pools)
      if (p.visible && !(name in pools)) {
        for (const t of p.targets.values()) {
          this.#undo?.removed.push({ pool: name, target: t });
          emit(name, { type: 'target-removed', id: t.id });
        }
        for (const entry of p.overrides.values()) this.#undo?.restored.push({ pool: name, entry });
        emit(name, { type: 'pool-removed' });
        p.layers.delete(CONFIG_SOURCE);
        p.overrides.clear();
        p.targets.clear();
        p.visible = false;
      }
    for (const [name, specs] of Object.entries(pools)) {
      const p = this.#entry(name);
      if (!p.visible) emit(name, { type: 'pool-added' });
      p.visible = true;
      p.layers.set(CONFIG_SOURCE, { source: CONFIG_SOURCE, kind: 'config', revision: 0, specs: [...specs] });
      this.#recompute(name, p, emit);
    }
  }

  #configLayers(): Record<string, readonly TargetSpec[]> {
    const out: Record<string, readonly TargetSpec[]> = {};
    for (const [name, p] of this.#pools) if (p.visible) out[name] = p.layers.get(CONFIG_SOURCE)?.specs ?? [];
    return out;
  }

  /** Merges the layers of one pool again and emits what changed. */
  #recompute(pool: string, p: PoolEntry, emit: Emit): void {
    if (!p.visible) return;
    const merged = mergeTargets([...p.layers.values()], [...p.overrides.values()]);
    for (const [id, t] of p.targets) {
      if (merged.has(id)) continue;
      p.targets.delete(id);
      this.#undo?.removed.push({ pool, target: t });
      // Admin state lives while the target is a member: one that comes back starts afresh.
      for (const [key, e] of p.overrides)
        if (e.id === id && e.override.admin !== undefined) {
          this.#undo?.restored.push({ pool, entry: e });
          p.overrides.delete(key);
        }
      emit(pool, { type: 'target-removed', id: t.id });
    }
    const { next, events } = nextTargets(p.targets, merged, this.deps.clock.now());
    for (const e of events) emit(pool, e);
    p.targets = next;
  }

  #withHealth(pool: string, t: TargetState, health: HealthState, detail: string, emit: Emit): TargetState {
    const events: EventBody[] = [];
    const next = withHealth(t, health, detail, this.deps.clock.now(), events);
    for (const e of events) emit(pool, e);
    return next;
  }

  #poolState(name: string, p: PoolEntry): PoolState {
    const base = mergeTargets([...p.layers.values()], []);
    return {
      name,
      targets: [...p.targets.values()],
      changedAtRuntime:
        membershipKey([...base.values()].map((m) => m.spec)) !==
        membershipKey([...p.targets.values()].map((t) => t.spec)),
    };
  }

  #entry(pool: string): PoolEntry {
    let p = this.#pools.get(pool);
    if (!p)
      this.#pools.set(pool, (p = { visible: false, layers: new Map(), overrides: new Map(), targets: new Map() }));
    return p;
  }

  #visible(pool: string): PoolEntry | undefined {
    const p = this.#pools.get(pool);
    return p?.visible ? p : undefined;
  }

  #mustPool(pool: string): PoolEntry {
    const p = this.#visible(pool);
    if (!p) throw new LbError('LB_ERR_NOT_FOUND', `no pool "${pool}"`);
    return p;
  }

  /** The target, or LB_ERR_NOT_FOUND naming the pool's targets. */
  requireTarget(pool: string, id: TargetId): TargetState {
    const p = this.#mustPool(pool);
    const t = p.targets.get(id);
    if (t) return t;
    const known = [...p.targets.keys()];
    throw new LbError(
      'LB_ERR_NOT_FOUND',
      `pool "${pool}" has no target ${id}${known.length ? ` (targets: ${known.join(', ')})` : ' (it has no targets)'}`,
    );
  }
}

/** What applyConfig() changed, for revertConfig(). */
export interface ConfigChange {
  /** The revision applyConfig() ended at. */
  readonly after: number;
  readonly previous: Readonly<Record<string, readonly TargetSpec[]>>;
  readonly restored: { readonly pool: string; readonly entry: OverrideEntry }[];
  /** Targets the reload removed, as they were. */
  readonly removed: { readonly pool: string; readonly target: TargetState }[];
}

type Emit = (pool: string, e: EventBody) => void;

interface PoolEntry {
  /** Named by the config: the pool exists. A discovery layer may wait for its pool in a hidden entry. */
  visible: boolean;
  readonly layers: Map<string, Layer>;
  /** `origin id group` → override of one group of facts (member, weight or admin). */
  readonly overrides: Map<string, OverrideEntry>;
  targets: Map<TargetId, TargetState>;
}

const overrideKey = (e: Pick<OverrideEntry, 'origin' | 'id' | 'override'>): string =>
  `${e.origin} ${e.id} ${e.override.member !== undefined ? 'member' : e.override.weight !== undefined ? 'weight' : 'admin'}`;
