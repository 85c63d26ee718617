import type { Etcd3, Lease } from 'etcd3';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { AdminState, HealthState, TargetSpec } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import { Backoff } from '../discovery/backoff.js';
import { PrefixMirror, type MirrorEntry } from '../discovery/prefix-mirror.js';
import type { OverrideWriter, StoreEvent, StoreListener } from '../store/types.js';
import {
  decodeFact,
  encodeFact,
  factKey,
  nodeKey,
  nodesPrefix,
  targetsPrefix,
  type FleetChange,
  type FleetFact,
} from './fleet-keys.js';
import {
  healthOf,
  nodesView,
  othersHealth,
  parseNodeRecord,
  type NodeHealth,
  type NodeRecord,
  type NodesView,
} from './node-record.js';

/** What the fleet needs of the target store (src/store/target-store.ts). */
export interface FleetStore {
  subscribe(listener: StoreListener): () => void;
  addTarget(pool: string, spec: TargetSpec, cause: string, by?: OverrideWriter): unknown;
  removeTarget(pool: string, id: string, cause: string, by?: OverrideWriter): unknown;
  setWeight(pool: string, id: string, weight: number, cause: string, by?: OverrideWriter): unknown;
  setAdminState(pool: string, id: string, admin: AdminState, cause: string, by?: OverrideWriter): unknown;
  snapshot(): { readonly pools: Parameters<typeof healthOf>[0] };
}

export interface FleetSettings {
  readonly name: string;
  readonly ttlMs: number;
  readonly prefix: string;
  readonly version: string;
  /** Of the config in force (a reload changes it). */
  readonly configHash: () => string;
  readonly adminUrl: () => string | undefined;
}

export interface FleetStatus {
  readonly name: string;
  /** sharing: changes go to etcd and come from it; not-sharing: etcd cannot be reached (this node serves on). */
  readonly state: 'starting' | 'sharing' | 'not-sharing';
  readonly error?: string;
  readonly revision: number;
  /** Admin changes made here and not yet written to etcd (sent when it answers). */
  readonly unsent: number;
}

/** The store's overrides that came from the fleet: their own layer, events of kind `fleet`. */
export const FLEET_WRITER: OverrideWriter = { origin: 'fleet', kind: 'fleet' };
const HEALTH_COALESCE_MS = 250;

/**
 * This node's part in a fleet: its registration under a lease, admin changes made here written
 * to etcd, and those of every node (this one included) applied from etcd to the target store.
 * etcd away (quorum lost) stops the sharing, never the traffic: changes made meanwhile apply
 * here at once and are written when etcd answers.
 */
export class Fleet {
  readonly #s: FleetSettings;
  readonly #client: Etcd3;
  readonly #store: FleetStore;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #targets: PrefixMirror;
  readonly #nodes: PrefixMirror;
  readonly #startedAt: string;
  /** fact key → the mod revision applied (a fact is applied once per write) */
  readonly #applied = new Map<string, number>();
  readonly #outbox = new Map<string, string>();
  readonly #backoff = new Backoff({ maxMs: 5000 });
  readonly #registerBackoff = new Backoff({ maxMs: 5000 });
  #unsubscribe: (() => void) | undefined;
  #lease: Lease | undefined;
  #registered = '';
  #state: FleetStatus['state'] = 'starting';
  #error: string | undefined;
  #timer: TimerHandle | undefined;
  #probeTimer: TimerHandle | undefined;
  #registerTimer: TimerHandle | undefined;
  /** This node's view of its targets' health, published with its registration. */
  #health: NodeHealth = {};
  #healthTimer: TimerHandle | undefined;
  #stopped = false;
  #flushing: Promise<void> = Promise.resolve();

  constructor(deps: { settings: FleetSettings; client: Etcd3; store: FleetStore; log: Logger; clock: Clock }) {
    this.#s = deps.settings;
    this.#client = deps.client;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.#startedAt = new Date(deps.clock.now()).toISOString();
    this.#targets = new PrefixMirror(deps.client, targetsPrefix(this.#s.prefix), deps.clock);
    this.#nodes = new PrefixMirror(deps.client, nodesPrefix(this.#s.prefix), deps.clock);
  }

  start(): void {
    this.#health = healthOf(this.#store.snapshot().pools);
    this.#unsubscribe = this.#store.subscribe((events) => this.#onStoreEvents(events));
    this.#targets.start({
      synced: (entries, _revision, _cause, kind) => {
        // a resumed watch proves little (a member without quorum still accepts one): data does
        if (kind === 'resumed') void this.#probe();
        else this.#sharing();
        this.#applyAll(entries);
        this.#register();
      },
      error: (e) => this.#notSharing(e.message),
    });
    this.#nodes.start({ synced: () => undefined, error: () => undefined });
    this.#register();
  }

  /** Registers again when something it publishes changed (a reload changed the config hash). */
  refresh(): void {
    this.#register();
  }

  status(): FleetStatus {
    return {
      name: this.#s.name,
      state: this.#state,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      revision: this.#targets.revision,
      unsent: this.#outbox.size,
    };
  }

  nodes(): NodesView {
    return nodesView(this.#record(), this.#records());
  }

  /** What the other live nodes' checks say: pool → target → node → health. */
  othersHealth(): Map<string, Map<string, Record<string, HealthState>>> {
    return othersHealth(this.#s.name, this.#records());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    if (this.#probeTimer) this.#clock.clearTimeout(this.#probeTimer);
    if (this.#healthTimer) this.#clock.clearTimeout(this.#healthTimer);
    if (this.#registerTimer) this.#clock.clearTimeout(this.#registerTimer);
    await this.#flushing;
    await Promise.all([this.#targets.stop(), this.#nodes.stop()]);
    // leave the list at once rather than when the lease runs out (which it does if etcd is away)
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) await lease.revoke({ deadline: Date.now() + 2000 }).catch(() => lease.release());
  }

  #record(): NodeRecord {
    return {
      name: this.#s.name,
      adminUrl: this.#s.adminUrl() ?? null,
      version: this.#s.version,
      startedAt: this.#startedAt,
      configHash: this.#s.configHash(),
      revision: this.#targets.revision,
      health: this.#health,
    };
  }

  #records(): NodeRecord[] {
    return [...this.#nodes.entries.values()].flatMap((e) => parseNodeRecord(e.value) ?? []);
  }

  // --- from etcd to the store ---

  #applyAll(entries: ReadonlyMap<string, MirrorEntry>): void {
    const facts: { key: string; rev: number; change: FleetChange }[] = [];
    for (const [key, e] of entries) {
      if ((this.#applied.get(key) ?? 0) >= e.modRevision) continue;
      try {
        facts.push({ key, rev: e.modRevision, change: decodeFact(this.#s.prefix, key, e.value) });
      } catch (err) {
        this.#applied.set(key, e.modRevision); // a bad value is reported once per write
        this.#log.warn(`fleet: skipped ${(err as Error).message}`);
      }
    }
    // membership first (a target added elsewhere, then its state), then in the order written
    facts.sort(
      (a, b) => Number(b.change.fact.kind === 'member') - Number(a.change.fact.kind === 'member') || a.rev - b.rev,
    );
    for (const f of facts) if (this.#apply(f.change)) this.#applied.set(f.key, f.rev);
  }

  /** false: not applicable yet (the target is not here yet); tried again at the next change. */
  #apply({ pool, id, by, fact }: FleetChange): boolean {
    const cause = `fleet: ${by === this.#s.name ? 'this node' : by} set ${fact.kind}`;
    try {
      if (fact.kind === 'state')
        this.#store.setAdminState(pool, id, fact.state, `${cause} ${fact.state}`, FLEET_WRITER);
      else if (fact.kind === 'weight')
        this.#store.setWeight(pool, id, fact.weight, `${cause} ${fact.weight}`, FLEET_WRITER);
      else if (fact.member) this.#store.addTarget(pool, fact.spec, `${cause} (added)`, FLEET_WRITER);
      else this.#store.removeTarget(pool, id, `${cause} (removed)`, FLEET_WRITER);
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      // already so (added twice, removed twice): done; an unknown pool or target: later
      if (code === 'LB_ERR_CONFLICT') return true;
      if (code === 'LB_ERR_NOT_FOUND' && fact.kind === 'member' && !fact.member) return true;
      return false;
    }
  }

  // --- from the store to etcd ---

  #onStoreEvents(events: readonly StoreEvent[]): void {
    let retry = false;
    if (events.some((e) => e.type !== 'admin-changed' && e.type !== 'target-changed')) this.#healthChanged();
    for (const e of events) {
      if (e.type === 'target-added' || e.causeKind === 'config') retry = true;
      if (e.causeKind !== 'admin') continue; // only the admin API's changes are shared
      const shared = factOf(e);
      if (!shared) continue;
      const { id, fact } = shared;
      this.#outbox.set(factKey(this.#s.prefix, { pool: e.pool, id, fact }), encodeFact(this.#s.name, fact));
    }
    if (this.#outbox.size > 0) this.#flush();
    // a reload may have reset runtime changes, a new target may be one a fact waited for: re-apply
    if (retry && this.#state === 'sharing') {
      if (events.some((e) => e.causeKind === 'config')) this.#applied.clear();
      queueMicrotask(() => this.#applyAll(this.#targets.entries));
    }
  }

  #flush(): void {
    if (this.#stopped || this.#timer) return;
    this.#flushing = this.#flushing.then(async () => {
      for (const [key, value] of [...this.#outbox]) {
        try {
          await this.#client.put(key).value(value).exec();
          if (this.#outbox.get(key) === value) this.#outbox.delete(key);
          this.#sharing();
        } catch (e) {
          this.#notSharing(`writing ${key}: ${(e as Error).message}`);
          this.#timer = this.#clock.setTimeout(() => {
            this.#timer = undefined;
            this.#flush();
          }, this.#backoff.next());
          return;
        }
      }
      this.#backoff.reset();
    });
  }

  /** A read that needs the quorum: when it answers, sharing works again. */
  async #probe(): Promise<void> {
    try {
      await this.#client.get(nodeKey(this.#s.prefix, this.#s.name)).exec();
      this.#sharing();
      this.#register();
    } catch (e) {
      this.#notSharing((e as Error).message);
      if (this.#stopped) return;
      this.#probeTimer = this.#clock.setTimeout(() => void this.#probe(), this.#backoff.next());
    }
  }

  // --- registration ---

  /** Health changes come in bursts (a target dies: every check of it fails): one write per burst. */
  #healthChanged(): void {
    if (this.#stopped || this.#healthTimer) return;
    this.#healthTimer = this.#clock.setTimeout(() => {
      this.#healthTimer = undefined;
      this.#health = healthOf(this.#store.snapshot().pools);
      this.#register();
    }, HEALTH_COALESCE_MS);
  }

  #register(): void {
    if (this.#stopped) return;
    const value = JSON.stringify(this.#record());
    if (value === this.#registered) return;
    const lease = (this.#lease ??= this.#newLease());
    this.#registered = value;
    lease
      .put(nodeKey(this.#s.prefix, this.#s.name))
      .value(value)
      .exec()
      .then(() => {
        if (this.#registered === value) this.#registerBackoff.reset();
        // a write the quorum took: sharing works again (nothing else may come to say so)
        if (this.#state === 'not-sharing') this.#sharing();
      })
      .catch((e: unknown) => {
        if (this.#registered === value) this.#registerAgain();
        this.#notSharing(`registering: ${(e as Error).message}`);
      });
  }

  /**
   * A registration that failed (a put timed out, the lease was lost) is written again after a
   * backoff: nothing else may come to write it (no health change, a watch that never broke), and
   * the other nodes would show this node's health as it was before, for good (a CI run saw one
   * node's view stay 'unknown' for 30 s).
   */
  #registerAgain(): void {
    this.#registered = '';
    if (this.#stopped || this.#registerTimer) return;
    this.#registerTimer = this.#clock.setTimeout(() => {
      this.#registerTimer = undefined;
      this.#register();
    }, this.#registerBackoff.next());
  }

  #newLease(): Lease {
    const lease = this.#client.lease(Math.max(1, Math.round(this.#s.ttlMs / 1000)));
    lease.on('lost', (e: Error) => {
      if (this.#lease !== lease) return;
      this.#lease = undefined; // a new lease and registration when etcd answers again
      this.#registerAgain();
      this.#notSharing(`registration lease lost: ${e.message}`);
    });
    return lease;
  }

  #sharing(): void {
    if (this.#state === 'sharing') return;
    if (this.#state === 'not-sharing') this.#log.info(`fleet: sharing with the other nodes again (etcd answers)`);
    this.#state = 'sharing';
    if (this.#outbox.size > 0) this.#flush();
  }

  #notSharing(error: string): void {
    this.#error = error;
    if (this.#state === 'not-sharing') return;
    this.#state = 'not-sharing';
    this.#log.warn(
      { code: 'LB_ERR_DISCOVERY' },
      `fleet: not sharing with the other nodes (${error}); traffic goes on, changes made here apply here and are sent when etcd answers`,
    );
  }
}

/** The fact an admin change states, as the fleet shares it. */
function factOf(e: StoreEvent): { id: string; fact: FleetFact } | undefined {
  switch (e.type) {
    case 'admin-changed':
      return { id: e.id, fact: { kind: 'state', state: e.to } };
    case 'target-changed':
      return { id: e.target.id, fact: { kind: 'weight', weight: e.target.spec.weight } };
    case 'target-added':
      return { id: e.target.id, fact: { kind: 'member', member: true, spec: e.target.spec } };
    case 'target-removed':
      return { id: e.id, fact: { kind: 'member', member: false } };
    default:
      return undefined;
  }
}
