import type { Clock } from '../core/clock.js';
import { LbError, type LbErrorCode } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { diffConfigs, type ConfigDiff } from '../config/diff.js';
import type { HealthSink } from '../health/health-checker.js';
import type { Logger } from '../log/logger.js';
import { targetSpecs } from '../pool/pool-runtime.js';
import { TargetStore, type ConfigChange } from '../store/target-store.js';
import { upstreamTlsWarnings } from '../tls/upstream-dialer.js';
import { buildSnapshot } from '../cluster/snapshot.js';
import type { PassiveReport } from '../cluster/remote-health.js';
import type { AckResult, DataPlaneLink, PlaneUpdate } from './plane-link.js';
import { PoolHealth } from './pool-health.js';

export interface ControlPlaneDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  /** Extra health sink (metrics) told of every check and transition. */
  readonly healthObserver?: ((pool: string) => HealthSink) | undefined;
  /** The owner of target state; one of its own when not given. */
  readonly store?: TargetStore | undefined;
  /** How long a data plane may take to apply an update (default 30 s; twice that to start). */
  readonly ackTimeoutMs?: number | undefined;
}

export interface ApplySummary {
  readonly listeners: { added: string[]; removed: string[]; changed: string[] };
  /** `changed` also names pools whose targets the admin API had changed: the apply resets them. */
  readonly pools: { added: string[]; removed: string[]; changed: string[] };
  /** Every change, old → new (src/config/diff.ts). */
  readonly diff: ConfigDiff;
}

const EMPTY = { added: [], removed: [], changed: [] };

/**
 * The control plane: the config and its reloads, the target store (the one owner of target
 * state, written by the config, discovery, the admin API, a fleet and the health checks), and
 * the health checks themselves (pool-health.ts). It holds no socket of the traffic: every change
 * goes to the data planes as a versioned update through a DataPlaneLink, in this process
 * (plane-link.ts LocalLink) or to cluster workers over IPC (cluster/supervisor.ts).
 */
export class ControlPlane {
  readonly store: TargetStore;
  readonly #health: PoolHealth;
  #config: Config | undefined;
  #lastChange: ConfigChange | undefined;
  /** +1 on every update sent; +1 on the config's whenever it changes. */
  #version = 0;
  #configVersion = 0;
  #started = false;
  #publishing = false;
  /** A target changed (a first health check, discovery) after the first update went out, before the data planes were up. */
  #missed = false;

  constructor(
    private readonly deps: ControlPlaneDeps,
    private readonly link: DataPlaneLink,
  ) {
    this.store = deps.store ?? new TargetStore({ clock: deps.clock });
    this.#health = new PoolHealth({
      clock: deps.clock,
      random: deps.random,
      log: deps.log,
      store: this.store,
      observer: deps.healthObserver,
    });
    // Every change of target state, whoever made it, is checked as it is and goes to the data planes.
    this.store.subscribe((events) => {
      for (const name of new Set(events.map((e) => e.pool))) this.#health.follow(name);
      this.#changed();
    });
  }

  get config(): Config | undefined {
    return this.#config;
  }

  /** What the last config apply changed in the store. */
  get lastConfigChange(): ConfigChange | undefined {
    return this.#lastChange;
  }

  /** The current state as a new update (a data plane that starts gets one). */
  update(): PlaneUpdate {
    return buildSnapshot(++this.#version, this.#configVersion, this.#config!, this.store);
  }

  /** A passive health result from a data plane's traffic. */
  passive(r: PassiveReport): void {
    this.#health.passive(r);
  }

  /**
   * Validated once (by the caller), applied everywhere: here first (store, health checks), then
   * in every data plane. When one cannot apply it (a port in use, a certificate it cannot read),
   * the previous config comes back everywhere, target changes made meanwhile (an admin PATCH)
   * stay, and the error is the reload's.
   */
  async apply(next: Config): Promise<{ summary: ApplySummary; acks: AckResult[] }> {
    const prev = this.#config;
    const summary = this.#applyHere(next);
    const change = this.#lastChange;
    if (!this.#started) this.link.start();
    // A loaded machine can take seconds to start a Node process.
    const acks = await this.#publishAndWait(this.#started ? 1 : 2);
    const failed = acks.find((r) => r.gone || !r.ok);
    if (failed && (!this.#started || !failed.gone)) {
      if (this.#started && prev) {
        this.#applyHere(prev, change);
        await this.#publishAndWait();
      }
      throw failure(failed);
    }
    if (!this.#started) {
      this.#started = true;
      this.link.keepAlive();
      // What changed while the data planes started (the first checks run meanwhile) goes out now:
      // without it a target found DOWN then stayed eligible in the data plane until its next change.
      if (this.#missed) this.#changed();
    }
    const applied = acks.flatMap((r) => (!r.gone && r.ok ? [r] : []));
    return { summary: { ...summary, listeners: applied[0]?.summary?.listeners ?? EMPTY }, acks: applied };
  }

  #applyHere(next: Config, revert?: ConfigChange): ApplySummary {
    const startedAt = this.store.revision; // target changes made from now on are newer than `next`
    const diff = diffConfigs(this.#config, next);
    const names = (changed: readonly { name: string }[]): string[] => changed.map((c) => c.name);
    const summary: ApplySummary = {
      listeners: EMPTY,
      pools: { added: [...diff.pools.added], removed: [...diff.pools.removed], changed: names(diff.pools.changed) },
      diff,
    };
    // Pools kept as they were whose targets the admin API changed: the apply resets them.
    for (const name of Object.keys(next.pools))
      if (this.#config && name in this.#config.pools && !summary.pools.added.includes(name))
        if (!summary.pools.changed.includes(name) && this.store.pool(name)?.changedAtRuntime)
          summary.pools.changed.push(name);
    if (!revert) for (const w of upstreamTlsWarnings(next.pools)) this.deps.log.warn(w);
    const first = this.#config === undefined;
    this.#config = next;
    this.#configVersion++; // before the store's events: they go out with the new config
    this.#health.configure(next);
    const specs = Object.fromEntries(Object.entries(next.pools).map(([n, p]) => [n, targetSpecs(p)] as const));
    if (revert) this.store.revertConfig(revert, 'config reload reverted');
    else this.#lastChange = this.store.applyConfig(specs, first ? 'config load' : 'config reload', startedAt);
    return summary;
  }

  #publishAndWait(timeoutFactor = 1): Promise<AckResult[]> {
    this.#missed = false; // the update carries every change so far
    const update = this.update();
    this.link.broadcast(update);
    return this.link.awaitApplied(update.version, (this.deps.ackTimeoutMs ?? 30_000) * timeoutFactor);
  }

  /** Sends the current state to the data planes now; resolves once they have it (or are gone). */
  async publishNow(): Promise<void> {
    if (this.#started) await this.#publishAndWait();
  }

  #changed(): void {
    if (this.#config === undefined) return;
    if (!this.#started) return void (this.#missed = true);
    if (!this.link.coalesce) return this.link.broadcast(this.update());
    if (this.#publishing) return;
    this.#publishing = true;
    setImmediate(() => {
      this.#publishing = false;
      this.link.broadcast(this.update());
    });
  }

  /** Stops the health checks. */
  async stop(): Promise<void> {
    await this.#health.stop();
  }
}

function failure(r: AckResult): unknown {
  if (r.gone) return new LbError('LB_ERR_WORKER', `worker ${r.slot} exited or did not answer before it was ready`);
  if (r.thrown !== undefined) return r.thrown;
  return new LbError((r.error?.code ?? 'LB_ERR_INTERNAL') as LbErrorCode, r.error?.message ?? 'unknown error');
}
