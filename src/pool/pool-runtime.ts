import { formatHostPort } from '../core/address.js';
import type { Clock } from '../core/clock.js';
import type { AdminState, HealthState, TargetSpec } from '../core/types.js';
import type { Change } from '../store/types.js';
import { createBalancer } from '../balancer/registry.js';
import type { PoolConfig } from '../config/schema.js';
import type { HealthSettings } from '../health/health-checker.js';
import type { PassiveHealth } from '../health/health-control.js';
import { tcpDialer } from '../proxy/dialer.js';
import { proxyPrelude } from '../proxy/proxy-prelude.js';
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
}

export interface PoolRuntimeDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly keepAliveMs: number;
  /** Where its sessions' connect results go: the control plane's health checks. */
  readonly passive: PassiveHealth;
}

/**
 * A pool of the data plane with its dialing settings: what listeners route to. Its targets follow
 * the control plane's store (sync()); their health is decided there (src/plane/pool-health.ts).
 */
export class PoolRuntime implements PoolContext {
  readonly pool: Pool;
  readonly health: PassiveHealth;
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
    this.health = deps.passive;
    this.dialer = tcpDialer({ keepAliveMs: deps.keepAliveMs });
    this.settings = upstreamSettings(config);
    this.prelude = proxyPrelude(config.proxyProtocol);
  }

  /**
   * Makes this pool follow the control plane's target store (fed in this process or over IPC):
   * membership and weights first (unchanged targets keep their counters), then admin state and
   * health, in one synchronous pass so that no connection is balanced on a half-applied state.
   */
  sync(states: readonly SyncedTarget[]): void {
    const diff = this.pool.setTargets(states.map((s) => s.spec));
    for (const id of diff.removed) this.health.forget?.(id);
    for (const s of states) {
      const t = this.pool.get(s.spec.id);
      if (!t) continue;
      if (t.admin !== s.admin) this.pool.setAdminState(t.id, s.admin);
      if (t.health !== s.health) this.pool.setHealth(t.id, s.health, s.lastChange?.cause ?? '', 0);
      if (s.lastChange !== undefined) t.lastChange = s.lastChange;
    }
  }

  /** Applies a changed pool config in place: algorithm, queue, timeouts (the checks are the control plane's). */
  update(config: PoolConfig): void {
    if (config.algorithm !== this.config.algorithm) this.pool.setBalancer(createBalancer(config.algorithm, this.deps));
    this.settings = upstreamSettings(config);
    this.pool.queue.settings = queueSettings(config);
    this.prelude = proxyPrelude(config.proxyProtocol);
    this.config = config;
  }
}
