import { AggregatorRegistry } from 'prom-client';
import { App, type AppDeps, type ApplySummary, type DescriptorStatus } from '../app.js';
import type { Config } from '../config/schema.js';
import { LbError, type LbErrorCode } from '../core/errors.js';
import { newestFirst, type OpenConnection } from '../listener/open-connections.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Engine, ListenerView } from '../runtime.js';
import type { PassiveReport } from './remote-health.js';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.js';
import { buildSnapshot } from './snapshot.js';
import { Supervisor, type AckResult, type Spawn } from './supervisor.js';
import { workerViews, type WorkerView } from './worker-view.js';
import { mirrorCounters, sumListeners } from './worker-stats.js';

export interface ClusterEngineDeps {
  readonly workers: number;
  /** The control plane's App: its health observer (metrics) is told of every check. */
  readonly app: AppDeps;
  readonly spawn: Spawn;
  readonly policy?: RestartPolicy;
  /** How long a worker may take to apply a snapshot (default 30 s; 60 s to start). */
  readonly ackTimeoutMs?: number;
  /** How long a stats or metrics read waits for the workers. */
  readonly readTimeoutMs?: number;
}

const EMPTY = { added: [], removed: [], changed: [] };

/**
 * The primary of a cluster: the control plane (config, health checks once per target, runtime
 * admin state) runs here in an App without listeners, and every change goes out to the workers
 * as a new immutable snapshot. Workers carry all traffic; the primary never touches a byte.
 */
export class ClusterEngine implements Engine {
  readonly control: App;
  readonly #supervisor: Supervisor;
  #version = 0;
  #configVersion = 0;
  #listeners: ReadonlyMap<string, ListenerView> = new Map();
  #started = false;
  #publishing = false;

  constructor(private readonly deps: ClusterEngineDeps) {
    this.control = new App({ ...deps.app, serveTraffic: false });
    // Every change of target state, whoever made it (health, admin API, discovery), goes to the workers.
    this.control.store.subscribe(() => this.publishSoon());
    this.#supervisor = new Supervisor({
      count: deps.workers,
      spawn: deps.spawn,
      clock: deps.app.clock,
      log: deps.app.log,
      policy: deps.policy ?? DEFAULT_RESTART_POLICY,
      snapshot: () => this.#snapshot(),
      onPassive: (r) => this.#onPassive(r),
    });
  }

  get config(): Config | undefined {
    return this.control.config;
  }

  get store(): App['store'] {
    return this.control.store;
  }

  pools(): ReturnType<App['pools']> {
    return this.control.pools();
  }

  /** The workers' listeners with their counters summed, as of the last refresh(). */
  listeners(): ReadonlyMap<string, ListenerView> {
    return this.#listeners;
  }

  /** Workers inherit the primary's open-file limit, and each has the budget it allows. */
  descriptors(): DescriptorStatus {
    const { soft, hard, reserve, connections } = this.control.descriptors();
    const open = [...this.#listeners.values()].reduce((n, l) => n + l.activeConnections, 0);
    return { soft, hard, reserve, connections, open, perWorker: true };
  }

  workers(): WorkerView[] {
    return workerViews(this.#supervisor.slots(), this.deps.app.clock.now());
  }

  /**
   * Validated once (here), applied everywhere: the control plane first, then every worker. When
   * a worker cannot apply it (a port in use), the previous config and runtime state come back in
   * all of them and the error is the reload's.
   */
  async apply(next: Config): Promise<ApplySummary> {
    const prev = this.control.config;
    const summary = await this.control.apply(next);
    const change = this.control.lastConfigChange;
    this.#configVersion++;
    if (!this.#started) this.#supervisor.start();
    // A loaded machine can take seconds to start a Node process.
    const results = await this.#publishAndWait(this.#started ? 1 : 2);
    const failed = results.find((r) => r.gone || !r.ok);
    if (failed && (!this.#started || !failed.gone)) {
      const error = failure(failed);
      if (this.#started && prev) {
        // Back to the previous config; target changes made meanwhile (an admin PATCH) stay.
        await this.control.apply(prev, undefined, change);
        this.#configVersion++;
        await this.#publishAndWait();
      }
      throw error;
    }
    if (!this.#started) {
      this.#started = true;
      this.#supervisor.keepAlive();
    }
    const applied = results.flatMap((r) => (!r.gone && r.ok ? [r] : []));
    this.#listeners = sumListeners(applied.map((r) => r.stats));
    return { ...summary, listeners: applied[0]?.summary?.listeners ?? EMPTY };
  }

  #snapshot() {
    return buildSnapshot(++this.#version, this.#configVersion, this.control.config!, this.control.store);
  }

  #publishAndWait(timeoutFactor = 1): Promise<AckResult[]> {
    const snap = this.#snapshot();
    this.#supervisor.broadcast(snap);
    return this.#supervisor.awaitApplied(snap.version, (this.deps.ackTimeoutMs ?? 30_000) * timeoutFactor);
  }

  /** Sends the current state to the workers now; resolves once they have it (or are gone). */
  async publishNow(): Promise<void> {
    if (this.#started) await this.#publishAndWait();
  }

  /** Sends the current state to the workers on the next tick (changes in one tick go together). */
  publishSoon(): void {
    if (this.#publishing || !this.#started) return;
    this.#publishing = true;
    setImmediate(() => {
      this.#publishing = false;
      this.#supervisor.broadcast(this.#snapshot());
    });
  }

  #onPassive(r: PassiveReport): void {
    const health = this.control.pools().get(r.pool)?.health;
    if (r.ok) health?.reportConnectSuccess(r.target);
    else health?.reportConnectFailure(r.target, r.detail);
  }

  /** Reads the workers' counters into the views the admin API serves. */
  async refresh(): Promise<void> {
    const answers = await this.#supervisor.request('stats', this.deps.readTimeoutMs ?? 2000);
    const stats = answers.map((a) => a.stats);
    mirrorCounters(this.control.pools(), stats);
    if (stats.length > 0) this.#listeners = sumListeners(stats);
  }

  /** The open connections of one target over every worker, newest first, each marked with its worker. */
  async connections(pool: string, target: string, limit: number): Promise<OpenConnection[]> {
    const answers = await this.#supervisor.connections(pool, target, limit, this.deps.readTimeoutMs ?? 2000);
    return newestFirst(
      answers.map(({ slot, answer }) => answer.connections.map((c) => ({ ...c, worker: slot }))),
      limit,
    );
  }

  /** One Prometheus exposition for the whole cluster: the primary's registry and every worker's. */
  async metricsText(primary: Metrics): Promise<string> {
    primary.refresh();
    const own = await primary.registry.getMetricsAsJSON();
    const answers = await this.#supervisor.request('metrics', this.deps.readTimeoutMs ?? 2000);
    // Counters and histograms add up; each gauge says how (metrics/catalog.ts, GaugeScope). Not
    // AggregatorRegistry.clusterMetrics(): it works only with node:cluster workers that each built
    // an AggregatorRegistry too (prom-client's own IPC), while this request rides the snapshot channel.
    return AggregatorRegistry.aggregate([own, ...answers.map((a) => a.metrics)]).metrics();
  }

  async shutdown(drainMs: number): Promise<void> {
    await this.#supervisor.drain(drainMs);
    await this.control.shutdown(0);
  }

  async stop(): Promise<void> {
    await this.#supervisor.kill();
    await this.control.stop();
  }
}

function failure(r: AckResult): LbError {
  if (r.gone) return new LbError('LB_ERR_WORKER', `worker ${r.slot} exited or did not answer before it was ready`);
  return new LbError((r.error?.code ?? 'LB_ERR_INTERNAL') as LbErrorCode, r.error?.message ?? 'unknown error');
}
