import { ClientTable } from './access/client-table.js';
import { formatHostPort } from './core/address.js';
import type { Clock } from './core/clock.js';
import type { Config } from './config/schema.js';
import type { HealthSink } from './health/health-checker.js';
import type { HealthControl } from './health/health-control.js';
import { Listener, type ListenerObserver, type ListenerPipeline, type ListenerSettings } from './listener/listener.js';
import type { Logger } from './log/logger.js';
import { buildPipeline } from './listener/pipeline.js';
import type { Pool } from './pool/pool.js';
import { PoolRuntime } from './pool/pool-runtime.js';
import { divergesFromConfig } from './pool/target-admin.js';
import { poolDialer, upstreamTlsWarnings } from './tls/upstream-dialer.js';

export interface AppDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly observer: ListenerObserver;
  /** Extra health sink (metrics) told of every check and transition. */
  readonly healthObserver?: (pool: string) => HealthSink;
  /** false: pools and health checks only, no listeners (the control plane of a cluster primary). */
  readonly serveTraffic?: boolean;
  /** Health of each pool's targets kept elsewhere (a cluster worker relays to the primary). */
  readonly health?: (pool: string) => HealthControl;
}

export interface ApplySummary {
  readonly listeners: { added: string[]; removed: string[]; changed: string[] };
  readonly pools: { added: string[]; removed: string[]; changed: string[] };
}

const listenerSettings = (name: string, c: Config): ListenerSettings => {
  const l = c.listeners[name]!;
  return { name, host: l.bind.host, port: l.bind.port, maxConnections: l.maxConnections, keepAliveMs: c.keepAlive };
};

/**
 * The data plane of one process: listeners routing to pools. Built from a validated Config and
 * changed in place by apply(), so that a reload never cuts an established connection.
 */
export class App {
  readonly #pools = new Map<string, PoolRuntime>();
  readonly #listeners = new Map<string, Listener>();
  /** Per-client counters by listener name: they outlive a reload, as the connections they count do. */
  readonly #clientTables = new Map<string, ClientTable>();
  #config: Config | undefined;

  constructor(readonly deps: AppDeps) {}

  get config(): Config | undefined {
    return this.#config;
  }

  pools(): ReadonlyMap<string, PoolRuntime> {
    return this.#pools;
  }

  listeners(): ReadonlyMap<string, Listener> {
    return this.#listeners;
  }

  #sinkFor = (pool: Pool): HealthSink => {
    const extra = this.deps.healthObserver?.(pool.name);
    return {
      onCheck: (id, result, at) => {
        const t = pool.get(id);
        if (t)
          t.lastCheck = {
            ok: result.ok,
            at,
            detail: result.detail,
            ...(result.ok ? { latencyMs: Math.round(result.latencyMs * 1000) / 1000 } : {}),
          };
        extra?.onCheck(id, result, at);
      },
      onTransition: (tr) => {
        pool.setHealth(tr.id, tr.to, tr.cause, this.deps.clock.now());
        const word = tr.to === 'healthy' ? 'UP' : tr.to === 'unhealthy' ? 'DOWN' : 'UNKNOWN';
        const level = tr.to === 'unhealthy' ? 'warn' : 'info';
        this.deps.log[level](
          { pool: pool.name, target: tr.id, from: tr.from, to: tr.to },
          `target ${tr.id} ${word} ${tr.cause}`,
        );
        extra?.onTransition(tr);
      },
    };
  };

  #newPool(name: string, c: Config): PoolRuntime {
    return new PoolRuntime(name, c.pools[name]!, {
      clock: this.deps.clock,
      random: this.deps.random,
      keepAliveMs: c.keepAlive,
      sinkFor: this.#sinkFor,
      health: this.deps.health,
    });
  }

  #pipelineFor(name: string, c: Config): ListenerPipeline {
    return buildPipeline(name, c, {
      pools: (pool) => this.#pools.get(pool),
      clock: this.deps.clock,
      clientTable: (l) => this.#clientTables.get(l) ?? this.#clientTables.set(l, new ClientTable()).get(l)!,
    });
  }

  /**
   * Applies a validated config as a diff: new listeners open, removed ones drain, changed pools
   * update in place (targets keep health and counters). Opening a new listener can fail; then
   * nothing else has been changed yet.
   */
  async apply(next: Config, drainMs = next.drainTimeout): Promise<ApplySummary> {
    const prev = this.#config;
    const summary: ApplySummary = {
      listeners: { added: [], removed: [], changed: [] },
      pools: { added: [], removed: [], changed: [] },
    };
    // 0. read certificates and CA files first: a bad file aborts the reload before anything changed
    const pipelines = new Map(Object.keys(next.listeners).map((n) => [n, this.#pipelineFor(n, next)] as const));
    const dialers = new Map(Object.entries(next.pools).map(([n, p]) => [n, poolDialer(n, p, next.keepAlive)] as const));
    for (const w of upstreamTlsWarnings(next.pools)) this.deps.log.warn(w);
    // 1. listeners whose address is new: open first, so a bind failure aborts the reload cleanly
    const opened: Listener[] = [];
    const replaced = new Map<string, Listener>();
    for (const name of this.deps.serveTraffic === false ? [] : Object.keys(next.listeners)) {
      const old = this.#listeners.get(name);
      const settings = listenerSettings(name, next);
      if (old && formatHostPort(old.settings) === formatHostPort(settings)) continue;
      const l = new Listener(settings, pipelines.get(name)!, this.deps.observer, this.deps.log);
      try {
        await l.start();
      } catch (e) {
        await Promise.all(opened.map((o) => o.drain(0)));
        throw e;
      }
      opened.push(l);
      if (old) replaced.set(name, old);
      (old ? summary.listeners.changed : summary.listeners.added).push(name);
    }
    // 2. pools
    for (const name of Object.keys(next.pools)) {
      const existing = this.#pools.get(name);
      if (!existing) {
        this.#pools.set(name, this.#newPool(name, next));
        summary.pools.added.push(name);
      } else if (
        JSON.stringify(prev?.pools[name]) !== JSON.stringify(next.pools[name]) ||
        divergesFromConfig(existing)
      ) {
        // Runtime membership and weight changes (admin API) give way to the config on reload.
        existing.update(next.pools[name]!);
        summary.pools.changed.push(name);
      }
    }
    // Every apply re-reads the CA files, so that a rotated CA takes effect with a reload.
    for (const [name, dialer] of dialers) this.#pools.get(name)!.dialer = dialer;
    // 3. swap listeners in, reroute kept ones
    for (const l of opened) this.#listeners.set(l.name, l);
    const draining: Promise<void>[] = [];
    for (const [name, l] of this.#listeners) {
      const lc = next.listeners[name];
      if (!lc) {
        this.#listeners.delete(name);
        this.#clientTables.delete(name);
        summary.listeners.removed.push(name);
        draining.push(l.drain(drainMs));
        continue;
      }
      if (opened.includes(l)) continue;
      const before = prev?.listeners[name];
      l.setPipeline(pipelines.get(name)!);
      l.update(listenerSettings(name, next));
      if (JSON.stringify(before) !== JSON.stringify(lc)) summary.listeners.changed.push(name);
    }
    for (const old of replaced.values()) draining.push(old.drain(drainMs));
    // 4. pools no longer named: sessions already running keep their PoolRuntime reference
    for (const [name, p] of this.#pools) {
      if (name in next.pools) continue;
      this.#pools.delete(name);
      summary.pools.removed.push(name);
      draining.push(p.stop());
    }
    this.#config = next;
    // Drains run in the background: a reload returns as soon as the new config serves.
    void Promise.all(draining).catch((e: unknown) => this.deps.log.error({ err: e }, 'drain failed'));
    return summary;
  }

  /** Graceful shutdown: stop accepting everywhere, drain up to `drainMs`, stop health checks. */
  async shutdown(drainMs: number): Promise<void> {
    await Promise.all([...this.#listeners.values()].map((l) => l.drain(drainMs)));
    await Promise.all([...this.#pools.values()].map((p) => p.stop()));
  }

  /** Immediate stop: every connection is cut. */
  async stop(): Promise<void> {
    await this.shutdown(0);
  }
}
