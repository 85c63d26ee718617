import { formatHostPort } from '../core/address.js';
import type { Clock } from '../core/clock.js';
import type { TargetSpec } from '../core/types.js';
import { createBalancer } from '../balancer/registry.js';
import type { PoolConfig } from '../config/schema.js';
import { HealthChecker, type HealthSettings, type HealthSink } from '../health/health-checker.js';
import type { HealthControl } from '../health/health-control.js';
import type { Probe } from '../health/probe.js';
import { createProbe } from '../health/probes/registry.js';
import { tcpDialer } from '../proxy/dialer.js';
import { poolCheckPrelude, proxyPrelude } from '../proxy/proxy-prelude.js';
import type { PoolContext, UpstreamSettings } from '../proxy/session-types.js';
import { Pool } from './pool.js';
import { SlotQueue, type QueueSettings } from './slot-queue.js';

export const targetSpecs = (p: PoolConfig): TargetSpec[] =>
  p.targets.map((t) => ({
    id: formatHostPort(t),
    host: t.host,
    port: t.port,
    weight: t.weight,
    backup: t.backup,
    ...('maxConnections' in t && t.maxConnections !== undefined ? { maxConnections: t.maxConnections } : {}),
  }));

/** HAProxy's `timeout queue` defaults to the connect timeout; so does ours. */
export const queueSettings = (p: PoolConfig): QueueSettings => ({
  maxQueue: p.maxQueue,
  timeoutMs: p.queueTimeout ?? p.connectTimeout,
});

/** A target restarted after traffic marked it DOWN rises in about rise x 250 ms. */
const DEFAULT_FAST_INTERVAL_MS = 250;

export const healthSettings = (p: PoolConfig): HealthSettings => ({
  intervalMs: p.healthCheck.type === 'none' ? 0 : p.healthCheck.interval,
  timeoutMs: p.healthCheck.timeout,
  rise: p.healthCheck.rise,
  fall: p.healthCheck.fall,
  jitter: p.healthCheck.jitter,
  passiveDownMs: p.passiveFailTimeout,
  fastIntervalMs: p.healthCheck.fastInterval ?? Math.min(p.healthCheck.interval, DEFAULT_FAST_INTERVAL_MS),
  downIntervalMs: p.healthCheck.downInterval ?? p.healthCheck.interval,
});

const upstreamSettings = (p: PoolConfig): UpstreamSettings => ({
  connectTimeoutMs: p.connectTimeout,
  idleTimeoutMs: p.idleTimeout,
  retries: p.retries,
});

export interface PoolRuntimeDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly keepAliveMs: number;
  readonly sinkFor: (pool: Pool) => HealthSink;
  /** Replaces the local health checker (a cluster worker relays to the primary's). */
  readonly health?: ((pool: string) => HealthControl) | undefined;
}

/** A pool with its health checker and dialing settings: what listeners route to. */
export class PoolRuntime implements PoolContext {
  readonly pool: Pool;
  readonly health: HealthControl;
  dialer;
  settings: UpstreamSettings;
  config: PoolConfig;
  prelude: PoolContext['prelude'];

  constructor(
    readonly name: string,
    config: PoolConfig,
    readonly deps: PoolRuntimeDeps,
  ) {
    this.config = config;
    this.pool = new Pool(
      name,
      createBalancer(config.algorithm, deps),
      [],
      new SlotQueue(deps.clock, queueSettings(config)),
    );
    this.health =
      deps.health?.(name) ??
      new HealthChecker(healthSettings(config), {
        clock: deps.clock,
        probe: this.#probe(config),
        sink: deps.sinkFor(this.pool),
        random: deps.random,
      });
    this.dialer = tcpDialer({ keepAliveMs: deps.keepAliveMs });
    this.settings = upstreamSettings(config);
    this.prelude = proxyPrelude(config.proxyProtocol);
    this.setTargets(targetSpecs(config));
  }

  #probe(config: PoolConfig): Probe {
    return createProbe(config.healthCheck, poolCheckPrelude(config));
  }

  setTargets(specs: readonly TargetSpec[]): void {
    const diff = this.pool.setTargets(specs);
    for (const id of diff.removed) this.health.untrack(id);
    // A target in maintenance is not checked; leaving maintenance tracks it again.
    for (const s of specs) if (this.pool.get(s.id)?.admin !== 'maint') this.health.track(s);
  }

  /** Applies a changed pool config in place: targets, algorithm, checks and timeouts. */
  update(config: PoolConfig): void {
    if (config.algorithm !== this.config.algorithm) this.pool.setBalancer(createBalancer(config.algorithm, this.deps));
    this.health.reconfigure(healthSettings(config), this.#probe(config));
    this.settings = upstreamSettings(config);
    this.pool.queue.settings = queueSettings(config);
    this.prelude = proxyPrelude(config.proxyProtocol);
    this.config = config;
    this.setTargets(targetSpecs(config));
  }

  async stop(): Promise<void> {
    await this.health.stop();
  }
}
