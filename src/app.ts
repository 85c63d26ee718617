import type { Clock } from './core/clock.js';
import type { Config } from './config/schema.js';
import type { HealthSink } from './health/health-checker.js';
import type { Listener, ListenerObserver } from './listener/listener.js';
import type { Logger } from './log/logger.js';
import type { PoolRuntime } from './pool/pool-runtime.js';
import type { RelayChoice, RelayStatus } from './proxy/relay-choice.js';
import type { ConfigChange, TargetStore } from './store/target-store.js';
import type { SocketSource } from './supervisor/socket-spec.js';
import type { UdpPlane } from './udp/udp-app.js';
import type { PlaneTraffic } from './cluster/worker-stats.js';
import { ControlPlane, type ApplySummary } from './plane/control-plane.js';
import { DataPlane, type DescriptorStatus } from './plane/data-plane.js';
import type { DescriptorOps } from './listener/accept-gate.js';
import type { FdBudget } from './listener/fd-budget.js';
import { LocalLink } from './plane/plane-link.js';
import type { Engine } from './runtime.js';

export type { ApplySummary } from './plane/control-plane.js';
export type { DescriptorStatus } from './plane/data-plane.js';

export interface AppDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly observer: ListenerObserver;
  /** Extra health sink (metrics) told of every check and transition. */
  readonly healthObserver?: ((pool: string) => HealthSink) | undefined;
  /** The relay strategy (tests inject one without the native addon). */
  readonly relay?: RelayChoice | undefined;
  /** The owner of target state; one of its own when not given. */
  readonly store?: TargetStore | undefined;
  /** Listening sockets held by the supervisor across upgrades (src/supervisor/). */
  readonly sockets?: SocketSource | undefined;
  /** The descriptor budget (tests); by default from this process's open-file limit. */
  readonly fdBudget?: FdBudget | undefined;
  /** dup/close for stopping accept (tests inject none: the fallback); by default the native addon's. */
  readonly descriptorOps?: DescriptorOps | undefined;
}

/**
 * One process: the control plane (src/plane/control-plane.ts) and the first data plane
 * (src/plane/data-plane.ts), the data plane fed in a call through the same updates that cluster
 * workers get over IPC (plane-link.ts). Built from a validated Config and changed by apply(),
 * which never cuts an established connection.
 */
export class App implements Engine {
  readonly control: ControlPlane;
  readonly data: DataPlane;
  readonly #link = new LocalLink();

  constructor(readonly deps: AppDeps) {
    this.control = new ControlPlane(deps, this.#link);
    this.data = new DataPlane({
      ...deps,
      passive: (pool) => ({
        reportConnectFailure: (target, detail) => this.control.passive({ pool, target, ok: false, detail }),
        reportConnectSuccess: (target) => this.control.passive({ pool, target, ok: true, detail: 'connected' }),
      }),
      onApplied: (ack) => this.#link.applied(ack),
    });
    this.#link.attach(this.data);
  }

  get config(): Config | undefined {
    return this.control.config;
  }

  /** Every target change: the store's, which the data plane follows. */
  get store(): TargetStore {
    return this.control.store;
  }

  get lastConfigChange(): ConfigChange | undefined {
    return this.control.lastConfigChange;
  }

  get udp(): UdpPlane {
    return this.data.udp;
  }

  pools(): ReadonlyMap<string, PoolRuntime> {
    return this.data.pools();
  }

  listeners(): ReadonlyMap<string, Listener> {
    return this.data.listeners();
  }

  relayStatus(): RelayStatus {
    return this.data.relayStatus();
  }

  descriptors(): DescriptorStatus {
    return this.data.descriptors();
  }

  /** The data plane's counters, read now. */
  traffic(): PlaneTraffic {
    return this.data.stats().pools;
  }

  async apply(next: Config): Promise<ApplySummary> {
    return (await this.control.apply(next)).summary;
  }

  /** Graceful shutdown: stop accepting, drain up to `drainMs`, stop health checks (`handOver`: runtime.ts). */
  async shutdown(drainMs: number, handOver = false): Promise<void> {
    await this.data.shutdown(drainMs, handOver);
    this.#link.gone();
    await this.control.stop();
  }

  /** Immediate stop: every connection is cut. */
  async stop(): Promise<void> {
    await this.shutdown(0);
  }
}
