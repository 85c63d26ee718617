import { formatHostPort } from '../core/address.js';
import type { Clock } from '../core/clock.js';
import type { AdminState, HealthState, TargetSpec } from '../core/types.js';
import type { Change, CheckRecord } from '../store/types.js';
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

/** A target restarted after traffic marked it DOWN rises at the first check that passes: within 250 ms. */
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

/** One target as the data plane takes it from the store (the snapshot a worker gets carries these). */
export interface SyncedTarget {
  readonly spec: TargetSpec;
  readonly admin: AdminState;
  readonly health: HealthState;
  readonly lastChange?: Change | undefined;
  readonly lastCheck?: CheckRecord | undefined;
}

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
  }

  #probe(config: PoolConfig): Probe {
    return createProbe(config.healthCheck, poolCheckPrelude(config));
  }

  /**
   * Makes this pool follow the target store (in this process, or the primary's over IPC):
   * membership and weights first (unchanged targets keep their counters), then admin state and
   * health, in one synchronous pass so that no connection is balanced on a half-applied state.
   * A target in maintenance is not checked; leaving maintenance tracks it again.
   */
  sync(states: readonly SyncedTarget[]): void {
    const diff = this.pool.setTargets(states.map((s) => s.spec));
    for (const id of diff.removed) this.health.untrack(id);
    for (const s of states) {
      const t = this.pool.get(s.spec.id);
      if (!t) continue;
      if (t.admin !== s.admin) this.pool.setAdminState(t.id, s.admin);
      if (t.health !== s.health) this.pool.setHealth(t.id, s.health, s.lastChange?.cause ?? '', 0);
      if (s.lastChange !== undefined) t.lastChange = s.lastChange;
      if (s.lastCheck !== undefined) t.lastCheck = s.lastCheck;
      if (s.admin === 'maint') this.health.untrack(t.id);
      else this.health.track(s.spec);
    }
  }

  /** Applies a changed pool config in place: targets, algorithm, checks and timeouts. */
  update(config: PoolConfig): void {
    if (config.algorithm !== this.config.algorithm) this.pool.setBalancer(createBalancer(config.algorithm, this.deps));
    this.health.reconfigure(healthSettings(config), this.#probe(config));
    this.settings = upstreamSettings(config);
    this.pool.queue.settings = queueSettings(config);
    this.prelude = proxyPrelude(config.proxyProtocol);
    this.config = config;
  }

  async stop(): Promise<void> {
    await this.health.stop();
  }
}
