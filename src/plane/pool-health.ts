import type { Clock } from '../core/clock.js';
import type { Config, PoolConfig } from '../config/schema.js';
import { HealthChecker, type HealthSink } from '../health/health-checker.js';
import type { Probe } from '../health/probe.js';
import { createProbe } from '../health/probes/registry.js';
import type { Logger } from '../log/logger.js';
import { healthSettings } from '../pool/pool-runtime.js';
import { poolCheckPrelude } from '../proxy/proxy-prelude.js';
import type { TargetStore } from '../store/target-store.js';
import type { PassiveReport } from '../cluster/remote-health.js';

export interface PoolHealthDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  readonly store: TargetStore;
  /** Extra sink (metrics) told of every check and transition. */
  readonly observer?: ((pool: string) => HealthSink) | undefined;
}

const probeOf = (p: PoolConfig): Probe => createProbe(p.healthCheck, poolCheckPrelude(p));

/**
 * The health checks of every pool, run once, in the control plane. Health is held in one place,
 * the target store: the checkers keep only their run of results, read the verdict from the store
 * and write a change there (cause `health: after 3 failed checks: …`). They check the store's
 * members that are not in maintenance, and take the passive reports of every data plane.
 */
export class PoolHealth {
  readonly #checkers = new Map<string, HealthChecker>();
  readonly #stopping = new Set<Promise<void>>();

  constructor(private readonly deps: PoolHealthDeps) {}

  /** Checkers for the pools of `config`: new ones start, kept ones take its settings, others stop. */
  configure(config: Config): void {
    for (const [name, c] of this.#checkers)
      if (!(name in config.pools)) {
        this.#checkers.delete(name);
        const stopped = c.stop().finally(() => this.#stopping.delete(stopped));
        this.#stopping.add(stopped);
      }
    for (const [name, p] of Object.entries(config.pools)) {
      const existing = this.#checkers.get(name);
      if (existing) existing.reconfigure(healthSettings(p), probeOf(p));
      else this.#checkers.set(name, this.#checker(name, p));
    }
  }

  /** Checks the targets of `pool` as the store has them now. */
  follow(pool: string): void {
    const c = this.#checkers.get(pool);
    if (!c) return;
    const targets = this.deps.store.pool(pool)?.targets ?? [];
    const checked = new Set<string>();
    for (const t of targets)
      if (t.admin !== 'maint') {
        c.track(t.spec);
        checked.add(t.id);
      }
    for (const id of c.tracked()) if (!checked.has(id)) c.untrack(id); // removed, or in maintenance
  }

  /** What a data plane's traffic saw: failed connects count towards DOWN, as in HAProxy's observe. */
  passive(r: PassiveReport): void {
    const c = this.#checkers.get(r.pool);
    if (r.ok) c?.reportConnectSuccess(r.target);
    else c?.reportConnectFailure(r.target, r.detail);
  }

  async stop(): Promise<void> {
    await Promise.all([...[...this.#checkers.values()].map((c) => c.stop()), ...this.#stopping]);
  }

  #checker(pool: string, p: PoolConfig): HealthChecker {
    const { store, log } = this.deps;
    const extra = this.deps.observer?.(pool);
    const sink: HealthSink = {
      onCheck: (id, result, at) => {
        store.recordCheck(pool, id, {
          ok: result.ok,
          at,
          detail: result.detail,
          ...(result.ok ? { latencyMs: Math.round(result.latencyMs * 1000) / 1000 } : {}),
        });
        extra?.onCheck(id, result, at);
      },
      onTransition: (tr) => {
        store.setHealth(pool, tr.id, tr.to, tr.cause);
        const word = tr.to === 'healthy' ? 'UP' : tr.to === 'unhealthy' ? 'DOWN' : 'UNKNOWN';
        const level = tr.to === 'unhealthy' ? 'warn' : 'info';
        log[level]({ pool, target: tr.id, from: tr.from, to: tr.to }, `target ${tr.id} ${word} ${tr.cause}`);
        extra?.onTransition(tr);
      },
    };
    return new HealthChecker(healthSettings(p), {
      clock: this.deps.clock,
      probe: probeOf(p),
      sink,
      random: this.deps.random,
      owner: (id) => store.target(pool, id)?.health,
    });
  }
}
