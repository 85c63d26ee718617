import { AggregatorRegistry } from 'prom-client';
import type { DescriptorStatus } from '../app.js';
import { openFileLimits } from '../core/open-files.js';
import { fdBudget } from '../listener/fd-budget.js';
import type { Config } from '../config/schema.js';
import { newestFirst, type OpenConnection } from '../listener/open-connections.js';
import type { Metrics } from '../metrics/metrics.js';
import { ControlPlane, type ApplySummary, type ControlPlaneDeps } from '../plane/control-plane.js';
import type { Engine, ListenerView } from '../runtime.js';
import type { SocketSource } from '../supervisor/socket-spec.js';
import type { WorkerStats } from './messages.js';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.js';
import { Supervisor, type Spawn } from './supervisor.js';
import { workerViews, type WorkerView } from './worker-view.js';
import { sumListeners, sumTraffic, type PlaneTraffic } from './worker-stats.js';

export interface ClusterEngineDeps {
  /** The listening sockets, when a supervisor holds them across upgrades: the workers listen on them. */
  readonly sockets?: SocketSource | undefined;
  readonly workers: number;
  /** The control plane's: its health observer (metrics) is told of every check. */
  readonly app: ControlPlaneDeps;
  readonly spawn: Spawn;
  readonly policy?: RestartPolicy;
  /** How long a worker may take to apply a snapshot (default 30 s; 60 s to start). */
  readonly ackTimeoutMs?: number;
  /** How long a stats or metrics read waits for the workers. */
  readonly readTimeoutMs?: number;
}

/**
 * The primary of a cluster: the control plane (config, health checks once per target, the
 * target store) runs here, and every change goes out to the workers, each running a data plane
 * (worker.ts), as a new immutable snapshot. Workers carry all traffic and report their counters;
 * the primary never touches a byte.
 */
export class ClusterEngine implements Engine {
  readonly control: ControlPlane;
  readonly #supervisor: Supervisor;
  /** The workers' last reports: their listeners and target counters are summed from these. */
  #reports: readonly WorkerStats[] = [];
  /** Workers inherit the primary's open-file limit: each has the budget it allows. */
  readonly #budget = fdBudget(openFileLimits());

  constructor(private readonly deps: ClusterEngineDeps) {
    this.#supervisor = new Supervisor({
      count: deps.workers,
      spawn: deps.spawn,
      clock: deps.app.clock,
      log: deps.app.log,
      policy: deps.policy ?? DEFAULT_RESTART_POLICY,
      snapshot: () => this.control.update(),
      onPassive: (r) => this.control.passive(r),
      sockets: deps.sockets,
    });
    this.control = new ControlPlane({ ...deps.app, ackTimeoutMs: deps.ackTimeoutMs }, this.#supervisor);
  }

  get config(): Config | undefined {
    return this.control.config;
  }

  get store(): ControlPlane['store'] {
    return this.control.store;
  }

  /** The workers' listeners with their counters summed, as of the last refresh(). */
  listeners(): ReadonlyMap<string, ListenerView> {
    return sumListeners(this.#reports);
  }

  /** The workers' target counters summed, as of the last refresh(). */
  traffic(): PlaneTraffic {
    return sumTraffic(this.#reports);
  }

  /** Workers inherit the primary's open-file limit, and each has the budget it allows. */
  descriptors(): DescriptorStatus {
    const { soft, hard, reserve, connections } = this.#budget;
    const open = [...this.listeners().values()].reduce((n, l) => n + l.activeConnections, 0);
    return { soft, hard, reserve, connections, open, perWorker: true };
  }

  workers(): WorkerView[] {
    return workerViews(this.#supervisor.slots(), this.deps.app.clock.now());
  }

  async apply(next: Config): Promise<ApplySummary> {
    const { summary, acks } = await this.control.apply(next);
    this.#reports = acks.flatMap((r) => (r.gone ? [] : [r.stats]));
    return summary;
  }

  /** Sends the current state to the workers now; resolves once they have it (or are gone). */
  publishNow(): Promise<void> {
    return this.control.publishNow();
  }

  /** Reads the workers' counters into the views the admin API serves. */
  async refresh(): Promise<void> {
    const answers = await this.#supervisor.request('stats', this.deps.readTimeoutMs ?? 2000);
    if (answers.length > 0) this.#reports = answers.map((a) => a.stats);
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

  async shutdown(drainMs: number, handOver = false): Promise<void> {
    await this.#supervisor.drain(drainMs, undefined, handOver);
    await this.control.stop();
  }

  async stop(): Promise<void> {
    await this.#supervisor.kill();
    await this.control.stop();
  }
}
