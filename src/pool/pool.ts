import { isFull, type Balancer, type PickContext } from '../balancer/balancer.js';
import { systemClock } from '../core/clock.js';
import type { AdminState, HealthState, TargetId, TargetSpec } from '../core/types.js';
import { SlotQueue, type QueueTicket, type Waiter } from './slot-queue.js';
import { Target } from './target.js';

export interface PoolDiff {
  readonly added: readonly TargetId[];
  readonly removed: readonly TargetId[];
  readonly changed: readonly TargetId[];
}

/**
 * Pool membership and eligibility: healthy, ready primaries; backups only while no primary is
 * eligible. Delegates the choice to its Balancer, which it rebuilds whenever eligibility changes.
 */
export class Pool {
  readonly name: string;
  #balancer: Balancer;
  readonly #targets = new Map<TargetId, Target>();
  /** Removed targets that still carry connections (shown by the API until they are done). */
  readonly #retired = new Map<TargetId, Target>();
  #usingBackups = false;
  /** The targets the balancer chooses from; `#capped` when one of them has a maxConnections. */
  #eligible: readonly Target[] = [];
  #capped = false;
  /** Connections have been sent to DOWN targets since the pool last had an eligible one. */
  #panicking = false;
  /** Connections waiting for a slot while every target is full. */
  readonly queue: SlotQueue;

  constructor(name: string, balancer: Balancer, specs: readonly TargetSpec[] = [], queue?: SlotQueue) {
    this.name = name;
    this.#balancer = balancer;
    this.queue = queue ?? new SlotQueue(systemClock(), { maxQueue: 0, timeoutMs: 0 });
    this.setTargets(specs);
  }

  get balancerKind(): string {
    return this.#balancer.kind;
  }

  get usingBackups(): boolean {
    return this.#usingBackups;
  }

  setBalancer(balancer: Balancer): void {
    this.#balancer = balancer;
    this.rebuild();
  }

  /** Applies a new target list; unchanged ids keep their health, admin state and counters. */
  setTargets(specs: readonly TargetSpec[]): PoolDiff {
    const added: TargetId[] = [];
    const changed: TargetId[] = [];
    const removed: TargetId[] = [];
    const next = new Set(specs.map((s) => s.id));
    for (const [id, t] of this.#targets) {
      if (next.has(id)) continue;
      this.#targets.delete(id);
      t.removed = true;
      removed.push(id);
      if (t.activeConnections > 0) this.#retired.set(id, t);
    }
    const ordered = new Map<TargetId, Target>();
    for (const spec of specs) {
      const existing = this.#targets.get(spec.id) ?? this.#retired.get(spec.id);
      if (existing) {
        if (existing.removed) added.push(spec.id);
        else if (
          existing.spec.weight !== spec.weight ||
          existing.spec.backup !== spec.backup ||
          existing.spec.maxConnections !== spec.maxConnections
        )
          changed.push(spec.id);
        existing.removed = false;
        existing.spec = spec;
        this.#retired.delete(spec.id);
        ordered.set(spec.id, existing);
      } else {
        ordered.set(spec.id, new Target(spec));
        added.push(spec.id);
      }
    }
    this.#targets.clear();
    for (const [id, t] of ordered) this.#targets.set(id, t);
    this.rebuild();
    return { added, removed, changed };
  }

  get(id: TargetId): Target | undefined {
    return this.#targets.get(id);
  }

  targets(): readonly Target[] {
    return [...this.#targets.values()];
  }

  retired(): readonly Target[] {
    return [...this.#retired.values()];
  }

  /** A removed target whose connections run elsewhere (cluster workers) is done: forget it. */
  forgetRetired(id: TargetId): void {
    this.#retired.delete(id);
  }

  setHealth(id: TargetId, health: HealthState, cause: string, now: number): boolean {
    const t = this.#targets.get(id);
    if (!t || t.health === health) return false;
    t.health = health;
    t.lastChange = { at: now, cause };
    this.rebuild();
    return true;
  }

  setAdminState(id: TargetId, state: AdminState): boolean {
    const t = this.#targets.get(id);
    if (!t) return false;
    t.admin = state;
    this.rebuild();
    return true;
  }

  /** The hot path: eligible target for this client, or undefined when none is. */
  select(ctx: PickContext): Target | undefined {
    if (this.#capped && !this.#hasRoom()) return undefined; // all full: spare the balancer a scan
    return this.#balancer.pick(ctx) as Target | undefined;
  }

  /**
   * The last resort when select() finds nothing: a target that is DOWN but otherwise usable, the
   * least recently failed first. Health checks can be wrong for a while (three failed connects from
   * traffic mark a restarting backend DOWN in milliseconds, and it rises only after `rise` checks),
   * so a pool with nothing eligible tries its DOWN targets rather than refuse every client, as
   * nginx does when all servers are unavailable and as Envoy's panic threshold does.
   */
  selectDown(exclude?: ReadonlySet<TargetId>): Target | undefined {
    let best: Target | undefined;
    for (const t of this.#targets.values()) {
      if (t.health !== 'unhealthy' || !t.usable || isFull(t) || exclude?.has(t.id)) continue;
      if (!best || t.lastFailureAt < best.lastFailureAt) best = t;
    }
    return best;
  }

  /** Records a last-resort pick; true when it starts an episode (logged once, counted always). */
  notePanic(): boolean {
    const first = !this.#panicking;
    this.#panicking = true;
    return first;
  }

  /**
   * select() found no target for this client: when an eligible target it may use is only full,
   * the connection waits in the queue for a slot (HAProxy's maxconn/maxqueue). Returns its ticket,
   * 'queue_full', or undefined when waiting cannot help (nothing eligible, or all tried).
   */
  enqueue(waiter: Waiter, exclude?: ReadonlySet<TargetId>): QueueTicket | 'queue_full' | undefined {
    if (!this.#eligible.some((t) => isFull(t) && !exclude?.has(t.id))) return undefined;
    return this.queue.enqueue(waiter) ?? 'queue_full';
  }

  readonly #hasRoom = (): boolean => this.#eligible.some((t) => !isFull(t));

  #dispatchQueued(): void {
    if (this.queue.length > 0) this.queue.dispatch(this.#hasRoom);
  }

  acquire(t: Target): void {
    t.activeConnections++;
    t.totalConnections++;
  }

  release(t: Target, bytesFromClient: number, bytesToClient: number): void {
    t.activeConnections--;
    t.bytesFromClient += bytesFromClient;
    t.bytesToClient += bytesToClient;
    if (t.removed && t.activeConnections === 0) this.#retired.delete(t.id);
    this.#dispatchQueued();
  }

  hasEligible(): boolean {
    for (const t of this.#targets.values()) if (t.eligible) return true;
    return false;
  }

  rebuild(): void {
    const all = [...this.#targets.values()];
    const primaries = all.filter((t) => !t.spec.backup && t.eligible);
    this.#usingBackups = primaries.length === 0;
    this.#eligible = primaries.length > 0 ? primaries : all.filter((t) => t.spec.backup && t.eligible);
    this.#capped = this.#eligible.some((t) => t.spec.maxConnections !== undefined);
    if (this.#eligible.length > 0) this.#panicking = false;
    this.#balancer.rebuild(this.#eligible);
    this.#dispatchQueued(); // a target came back, or got more room
  }
}
