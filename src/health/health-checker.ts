import type { Clock, TimerHandle } from '../core/clock.js';
import type { HealthState, TargetId, TargetSpec } from '../core/types.js';
import { initialHealth, markedDown, nextHealth, type HealthCounter } from './hysteresis.js';
import type { Probe, ProbeResult } from './probe.js';
import { checkInterval, firstCheckDelay, nextCheckDelay } from './schedule.js';

export interface HealthSettings {
  /** 0 disables active checks (passive marks then expire after `passiveDownMs`). */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly jitter: number;
  readonly passiveDownMs: number;
  /**
   * Interval while a target is in transition (UP with failed checks, DOWN with successful ones)
   * and while a target marked DOWN by traffic is probed until it rises: HAProxy's `fastinter`.
   * Default: intervalMs.
   */
  readonly fastIntervalMs?: number;
  /** Interval while a target is DOWN by its checks: HAProxy's `downinter`. Default: intervalMs. */
  readonly downIntervalMs?: number;
}

export interface HealthTransition {
  readonly id: TargetId;
  readonly from: HealthState;
  readonly to: HealthState;
  readonly cause: string;
}

export interface HealthSink {
  onTransition(t: HealthTransition): void;
  onCheck(id: TargetId, result: ProbeResult, at: number): void;
}

interface Tracked {
  spec: TargetSpec;
  /** Consecutive results: the evidence. The verdict (healthy or not) is the owner's (HealthOwner). */
  successes: number;
  failures: number;
  /** This DOWN episode began with traffic's mark (hysteresis.ts markedDown): one good check ends it. */
  byTraffic: boolean;
  timer: TimerHandle | undefined;
  inFlight: AbortController | undefined;
  running: Promise<void> | undefined;
  /** Marked DOWN by traffic (or reached by traffic while DOWN): probed at the fast interval until UP. */
  fast: boolean;
  /** When the pending check is due (clock time), to pull it forward without a storm of timers. */
  dueAt: number;
}

/**
 * Where the verdict of each target lives. In the program it is the target store (health is held
 * once, there: src/plane/pool-health.ts); the checker reads it before every step and reports a
 * change through its sink, which writes it there. A checker used alone keeps its own.
 */
export type HealthOwner = (id: TargetId) => HealthState | undefined;

/** Active and passive health for one pool's targets, on an injected clock. */
export class HealthChecker {
  readonly #tracked = new Map<TargetId, Tracked>();
  /** The verdicts when no owner is given. */
  readonly #own = new Map<TargetId, HealthState>();
  #settings: HealthSettings;
  #stopped = false;

  constructor(
    settings: HealthSettings,
    private readonly deps: { clock: Clock; probe: Probe; sink: HealthSink; random: () => number; owner?: HealthOwner },
  ) {
    this.#settings = settings;
  }

  #counter(t: Tracked): HealthCounter {
    const id = t.spec.id;
    const state = (this.deps.owner ? this.deps.owner(id) : this.#own.get(id)) ?? 'unknown';
    if (state !== 'unhealthy') t.byTraffic = false; // the episode ended, whoever ended it
    return { state, successes: t.successes, failures: t.failures, ...(t.byTraffic ? { byTraffic: true } : {}) };
  }

  get settings(): HealthSettings {
    return this.#settings;
  }

  /**
   * New settings apply from each target's next check; health state is kept. A new interval
   * reschedules the checks waiting for their turn (turning checks on starts them, a shorter
   * interval does not wait out the old one); turning them off leaves a DOWN target to the passive
   * fail timeout, as if it had been marked down by traffic, rather than DOWN for good.
   */
  reconfigure(settings: HealthSettings, probe: Probe): void {
    const was = this.#settings.intervalMs;
    this.#settings = settings;
    (this.deps as { probe: Probe }).probe = probe;
    if (this.#stopped || settings.intervalMs === was) return;
    for (const t of this.#tracked.values()) {
      if (t.running) continue; // a check on the wire schedules the next one with the new settings
      if (t.timer) this.deps.clock.clearTimeout(t.timer);
      t.timer = undefined;
      if (settings.intervalMs > 0) this.#schedule(t, firstCheckDelay(settings.intervalMs, this.deps.random));
      else if (this.#counter(t).state === 'unhealthy') this.#retryLater(t);
    }
  }

  track(spec: TargetSpec): void {
    const existing = this.#tracked.get(spec.id);
    if (existing) {
      existing.spec = spec;
      return;
    }
    const t: Tracked = {
      spec,
      successes: 0,
      failures: 0,
      byTraffic: false,
      timer: undefined,
      inFlight: undefined,
      running: undefined,
      fast: false,
      dueAt: 0,
    };
    this.#tracked.set(spec.id, t);
    if (this.#settings.intervalMs > 0 && !this.#stopped)
      this.#schedule(t, firstCheckDelay(this.#settings.intervalMs, this.deps.random));
  }

  untrack(id: TargetId): void {
    const t = this.#tracked.get(id);
    if (!t) return;
    this.#tracked.delete(id);
    this.#own.delete(id);
    if (t.timer) this.deps.clock.clearTimeout(t.timer);
    t.inFlight?.abort();
  }

  /** Passive check: `fall` consecutive failed connects from real traffic mark the target down. */
  reportConnectFailure(id: TargetId, detail: string): void {
    const t = this.#tracked.get(id);
    if (!t || this.#counter(t).state === 'unhealthy') return;
    const failures = t.failures + 1;
    t.successes = 0;
    t.failures = failures;
    if (failures < this.#settings.fall) return;
    this.#transition(t, markedDown(this.#counter(t)), `after ${failures} failed connections: ${detail}`);
    if (this.#settings.intervalMs === 0) return this.#retryLater(t);
    // Traffic can mark a target down in milliseconds (a restart): probe it at once and then at the
    // fast interval, so that a backend that is back rises in well under a second.
    t.fast = true;
    this.#checkSoon(t);
  }

  /** Pulls the next active check of `t` forward to now (one check at a time, no timer storm). */
  #checkSoon(t: Tracked): void {
    if (this.#stopped || t.running || this.#settings.intervalMs === 0) return;
    const now = this.deps.clock.now();
    if (t.timer && t.dueAt <= now) return; // already due
    if (t.timer) this.deps.clock.clearTimeout(t.timer);
    this.#schedule(t, 0);
  }

  // No active checks to bring a DOWN target back: retry it after a while, as nginx's fail_timeout does.
  #retryLater(t: Tracked): void {
    t.timer = this.deps.clock.setTimeout(() => {
      t.timer = undefined;
      this.#transition(t, initialHealth, 'passive fail timeout expired');
    }, this.#settings.passiveDownMs);
  }

  /**
   * Passive success. On a DOWN target (reached by a last-resort connection) it does not count as a
   * check, since the active check may ask more than a connect, but it pulls the next check forward.
   */
  reportConnectSuccess(id: TargetId): void {
    const t = this.#tracked.get(id);
    if (!t) return;
    if (this.#counter(t).state === 'unhealthy') {
      if (!t.fast) {
        t.fast = true;
        this.#checkSoon(t);
      }
    } else t.failures = 0;
  }

  state(id: TargetId): HealthState | undefined {
    const t = this.#tracked.get(id);
    return t && this.#counter(t).state;
  }

  /** The targets checked now. */
  tracked(): TargetId[] {
    return [...this.#tracked.keys()];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const running: Promise<void>[] = [];
    for (const t of this.#tracked.values()) {
      if (t.timer) this.deps.clock.clearTimeout(t.timer);
      t.timer = undefined;
      t.inFlight?.abort();
      if (t.running) running.push(t.running);
    }
    await Promise.all(running);
  }

  #schedule(t: Tracked, delay: number): void {
    t.dueAt = this.deps.clock.now() + delay;
    t.timer = this.deps.clock.setTimeout(() => {
      t.timer = undefined;
      t.running = this.#check(t).finally(() => {
        t.running = undefined;
      });
    }, delay);
  }

  async #check(t: Tracked): Promise<void> {
    const s = this.#settings;
    const ac = new AbortController();
    t.inFlight = ac;
    const timer = this.deps.clock.setTimeout(() => ac.abort(), s.timeoutMs);
    let result: ProbeResult;
    try {
      result = await this.deps.probe(t.spec, ac.signal);
    } catch (e) {
      result = { ok: false, detail: e instanceof Error ? e.message : String(e) };
    } finally {
      this.deps.clock.clearTimeout(timer);
      t.inFlight = undefined;
    }
    if (this.#stopped || this.#tracked.get(t.spec.id) !== t) return;
    this.deps.sink.onCheck(t.spec.id, result, this.deps.clock.now());
    // A check that failed on this host (EMFILE…) is not counted: it says nothing of the target.
    if (!result.ok && result.local === true) {
      if (s.intervalMs > 0)
        this.#schedule(t, nextCheckDelay(checkInterval(s, this.#counter(t), t.fast), s.jitter, this.deps.random));
      return;
    }
    const next = nextHealth(this.#counter(t), result.ok, s.rise, s.fall);
    const cause = result.ok
      ? `after ${next.successes} successful check${next.successes === 1 ? '' : 's'}`
      : `after ${next.failures} failed check${next.failures === 1 ? '' : 's'}: ${result.detail}`;
    this.#transition(t, next, cause);
    if (next.state === 'healthy') t.fast = false;
    if (s.intervalMs > 0) this.#schedule(t, nextCheckDelay(checkInterval(s, next, t.fast), s.jitter, this.deps.random));
  }

  #transition(t: Tracked, next: HealthCounter, cause: string): void {
    const from = this.#counter(t).state;
    t.successes = next.successes;
    t.failures = next.failures;
    t.byTraffic = next.byTraffic === true;
    if (from === next.state) return;
    if (!this.deps.owner) this.#own.set(t.spec.id, next.state);
    this.deps.sink.onTransition({ id: t.spec.id, from, to: next.state, cause });
  }
}
