import type { AdminState, HealthState, TargetId, TargetSpec } from '../core/types.js';

// The vocabulary of the target store (target-store.ts): what it holds, what it tells.

/** Where a layer of target facts comes from; the rank decides who wins (see PRECEDENCE). */
export type SourceKind = 'config' | 'discovery' | 'override';

/**
 * The one precedence rule: config file < discovery sources < runtime overrides. A higher layer
 * wins for every fact it states; between two layers of the same rank the later write wins.
 */
export const PRECEDENCE: Readonly<Record<SourceKind, number>> = { config: 0, discovery: 1, override: 2 };

/** The source name of the config file's layer. */
export const CONFIG_SOURCE = 'config';
/** The override origin of the admin API (a fleet of nodes adds its own, `fleet`). */
export const ADMIN_ORIGIN = 'admin';

/**
 * What kind of writer made a change. Listeners branch on this (the fleet shares `admin` changes,
 * a cluster primary passes `discovery` and `fleet` ones on to its workers), never on the cause,
 * which is text for people.
 */
export type CauseKind = 'config' | 'discovery' | 'admin' | 'fleet' | 'restore' | 'health';

/** Who writes runtime overrides: the layer they go to (`origin`) and the kind of their events. */
export interface OverrideWriter {
  readonly origin: string;
  readonly kind: CauseKind;
}
/** The admin API (the default writer of overrides). */
export const ADMIN_WRITER: OverrideWriter = { origin: ADMIN_ORIGIN, kind: 'admin' };
/** Saved state put back (state file, upgrade): the admin API's layer, but no new admin change. */
export const RESTORE_WRITER: OverrideWriter = { origin: ADMIN_ORIGIN, kind: 'restore' };

/** What a runtime override states about one target; absent fields leave lower layers in charge. */
export interface TargetOverride {
  /** true: a member even if no source names it (with `spec`); false: not a member whatever sources say. */
  readonly member?: boolean;
  /** The spec of a target an override adds. */
  readonly spec?: TargetSpec;
  readonly weight?: number;
  readonly admin?: AdminState;
}

export interface CheckRecord {
  readonly ok: boolean;
  readonly at: number;
  readonly detail: string;
  readonly latencyMs?: number;
}

export interface Change {
  readonly at: number;
  readonly cause: string;
}

/** One target as the store holds it: merged spec, admin state, health and where it comes from. */
export interface TargetState {
  readonly id: TargetId;
  readonly spec: TargetSpec;
  readonly admin: AdminState;
  readonly health: HealthState;
  /** The last health change (its cause as the checker says it: `after 3 failed checks: …`). */
  readonly lastChange: Change | undefined;
  /** The last active check: a reading, not a change (no event, no revision). */
  readonly lastCheck: CheckRecord | undefined;
  /** The sources (layers) that name this target, lowest rank first; `admin` for one added at runtime. */
  readonly sources: readonly string[];
}

export interface PoolState {
  readonly name: string;
  readonly targets: readonly TargetState[];
  /** Membership or weights differ from what the config and discovery sources say (runtime overrides). */
  readonly changedAtRuntime: boolean;
}

export interface StoreSnapshot {
  readonly revision: number;
  readonly pools: Readonly<Record<string, PoolState>>;
}

interface EventBase {
  /** +1 per event, never reused in one process. */
  readonly revision: number;
  readonly at: number;
  /** Why: `config reload`, `admin PATCH by 127.0.0.1`, `health: after 3 failed checks: connect ECONNREFUSED`. */
  readonly cause: string;
  /** Who made it, typed: `config` (load, reload, revert), `discovery`, `admin`, `fleet`, `restore`, `health`. */
  readonly causeKind: CauseKind;
  readonly pool: string;
}

export type StoreEvent =
  | (EventBase & { readonly type: 'pool-added' })
  | (EventBase & { readonly type: 'pool-removed' })
  | (EventBase & { readonly type: 'target-added'; readonly target: TargetState })
  | (EventBase & { readonly type: 'target-removed'; readonly id: TargetId })
  /** Weight, backup or maxConnections changed. */
  | (EventBase & { readonly type: 'target-changed'; readonly target: TargetState })
  | (EventBase & {
      readonly type: 'admin-changed';
      readonly id: TargetId;
      readonly from: AdminState;
      readonly to: AdminState;
    })
  | (EventBase & {
      readonly type: 'health-changed';
      readonly id: TargetId;
      readonly from: HealthState;
      readonly to: HealthState;
    });

export type StoreEventType = StoreEvent['type'];

/** Called once per store operation with its events, in revision order, after the state changed. */
export type StoreListener = (events: readonly StoreEvent[]) => void;
