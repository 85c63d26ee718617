import type { Etcd3 } from 'etcd3';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { HealthState } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import type { TargetStore } from '../store/target-store.js';
import { Discovery } from '../discovery/discovery.js';
import { discoveryMetrics } from '../discovery/discovery-metrics.js';
import { createEtcdClient } from '../discovery/etcd-client.js';
import type { SourceStatus } from '../discovery/source-health.js';
import { configHash } from './fleet-keys.js';
import { Fleet, type FleetStatus } from './fleet.js';
import type { NodesView } from './node-record.js';

export interface SharedStateDeps {
  readonly store: TargetStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly version: string;
  /** Where lb_discovery_* go (the admin API's registry), when metrics are on. */
  readonly registry?: Registry | undefined;
  readonly adminUrl: () => string | undefined;
}

/** What the admin API shows of discovery and the fleet. */
export interface SharedStateView {
  discoveryStatus(): SourceStatus[];
  fleetStatus(): FleetStatus | undefined;
  nodes(): NodesView | undefined;
  /** In a fleet: what the other nodes' checks say, pool → target → node → health. */
  othersHealth(): ReadonlyMap<string, ReadonlyMap<string, Readonly<Record<string, HealthState>>>> | undefined;
}

/**
 * Discovery sources and the fleet of one process, around the one etcd connection: built from the
 * config at start (etcd and fleet settings are restart-only), sources re-matched at each reload.
 */
export class SharedState implements SharedStateView {
  readonly #deps: SharedStateDeps;
  readonly #discovery: Discovery;
  #client: Etcd3 | undefined;
  #fleet: Fleet | undefined;
  #config: Config;

  constructor(config: Config, deps: SharedStateDeps) {
    this.#deps = deps;
    this.#config = config;
    this.#discovery = new Discovery({
      sink: deps.store,
      clock: deps.clock,
      log: deps.log.child({ component: 'discovery' }),
      etcd: () => this.#etcd(),
      metrics: deps.registry && discoveryMetrics(deps.registry),
    });
  }

  /** Never waits for etcd or DNS: a source that cannot be read yet leaves the static targets. */
  async start(): Promise<void> {
    await this.#discovery.apply(this.#config);
    const f = this.#config.fleet;
    if (!f) return;
    this.#fleet = new Fleet({
      settings: {
        name: f.name,
        ttlMs: f.ttl,
        prefix: f.prefix,
        version: this.#deps.version,
        configHash: () => configHash(this.#config),
        adminUrl: this.#deps.adminUrl,
      },
      client: this.#etcd(),
      store: this.#deps.store,
      log: this.#deps.log.child({ component: 'fleet' }),
      clock: this.#deps.clock,
    });
    this.#fleet.start();
  }

  async apply(next: Config): Promise<void> {
    this.#config = next;
    await this.#discovery.apply(next);
    this.#fleet?.refresh();
  }

  discoveryStatus(): SourceStatus[] {
    return this.#discovery.status();
  }

  fleetStatus(): FleetStatus | undefined {
    return this.#fleet?.status();
  }

  nodes(): NodesView | undefined {
    return this.#fleet?.nodes();
  }

  othersHealth(): ReadonlyMap<string, ReadonlyMap<string, Readonly<Record<string, HealthState>>>> | undefined {
    return this.#fleet?.othersHealth();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#discovery.stop(), this.#fleet?.stop()]);
    this.#client?.close();
  }

  #etcd(): Etcd3 {
    const e = this.#config.etcd;
    if (!e) throw new Error('no etcd key in the config'); // the config's checks require it (semantic.ts)
    return (this.#client ??= createEtcdClient({ ...e, endpoints: e.endpoints, requestTimeoutMs: e.timeout }));
  }
}
