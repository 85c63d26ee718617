import type { Clock, TimerHandle } from '../core/clock.js';
import type { HealthState, TargetId, TargetSpec } from '../core/types.js';
import { initialHealth, markedDown, nextHealth, type HealthCounter } from './hysteresis.js';
import type { HealthControl } from './health-control.js';
import type { Probe, ProbeResult } from './probe.js';
import { firstCheckDelay, nextCheckDelay } from './schedule.js';

export interface HealthSettings {
  /** 0 disables active checks (passive marks then expire after `passiveDownMs`). */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly jitter: number;
  readonly passiveDownMs: number;
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
  counter: HealthCounter;
  timer: TimerHandle | undefined;
  inFlight: AbortController | undefined;
  running: Promise<void> | undefined;
}

/** Active and passive health for one pool's targets, on an injected clock. */
export class HealthChecker implements HealthControl {
  readonly #tracked = new Map<TargetId, Tracked>();
  #settings: HealthSettings;
  #stopped = false;

  constructor(
    settings: HealthSettings,
    private readonly deps: { clock: Clock; probe: Probe; sink: HealthSink; random: () => number },
  ) {
    this.#settings = settings;
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
      else if (t.counter.state === 'unhealthy') this.#retryLater(t);
    }
  }

  track(spec: TargetSpec): void {
    const existing = this.#tracked.get(spec.id);
    if (existing) {
      existing.spec = spec;
      return;
    }
    const t: Tracked = { spec, counter: initialHealth, timer: undefined, inFlight: undefined, running: undefined };
    this.#tracked.set(spec.id, t);
    if (this.#settings.intervalMs > 0 && !this.#stopped)
      this.#schedule(t, firstCheckDelay(this.#settings.intervalMs, this.deps.random));
  }

  untrack(id: TargetId): void {
    const t = this.#tracked.get(id);
    if (!t) return;
    this.#tracked.delete(id);
    if (t.timer) this.deps.clock.clearTimeout(t.timer);
    t.inFlight?.abort();
  }

  /** Passive check: `fall` consecutive failed connects from real traffic mark the target down. */
  reportConnectFailure(id: TargetId, detail: string): void {
    const t = this.#tracked.get(id);
    if (!t || t.counter.state === 'unhealthy') return;
    const failures = t.counter.failures + 1;
    t.counter = { ...t.counter, successes: 0, failures };
    if (failures < this.#settings.fall) return;
    this.#transition(t, markedDown(t.counter), `after ${failures} failed connections: ${detail}`);
    if (this.#settings.intervalMs === 0) this.#retryLater(t);
  }

  // No active checks to bring a DOWN target back: retry it after a while, as nginx's fail_timeout does.
  #retryLater(t: Tracked): void {
    t.timer = this.deps.clock.setTimeout(() => {
      t.timer = undefined;
      this.#transition(t, initialHealth, 'passive fail timeout expired');
    }, this.#settings.passiveDownMs);
  }

  reportConnectSuccess(id: TargetId): void {
    const t = this.#tracked.get(id);
    if (t && t.counter.state !== 'unhealthy' && t.counter.failures > 0) t.counter = { ...t.counter, failures: 0 };
  }

  state(id: TargetId): HealthState | undefined {
    return this.#tracked.get(id)?.counter.state;
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
    const next = nextHealth(t.counter, result.ok, s.rise, s.fall);
    const cause = result.ok
      ? `after ${next.successes} successful check${next.successes === 1 ? '' : 's'}`
      : `after ${next.failures} failed check${next.failures === 1 ? '' : 's'}: ${result.detail}`;
    this.#transition(t, next, cause);
    if (s.intervalMs > 0) this.#schedule(t, nextCheckDelay(s.intervalMs, s.jitter, this.deps.random));
  }

  #transition(t: Tracked, next: HealthCounter, cause: string): void {
    const from = t.counter.state;
    t.counter = next;
    if (from !== next.state) this.deps.sink.onTransition({ id: t.spec.id, from, to: next.state, cause });
  }
}
