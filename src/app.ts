import { ClientTable } from './access/client-table.js';
import type { Clock } from './core/clock.js';
import type { Config } from './config/schema.js';
import { diffConfigs, type ConfigDiff } from './config/diff.js';
import type { HealthSink } from './health/health-checker.js';
import type { HealthControl } from './health/health-control.js';
import { Listener, type ListenerObserver, type ListenerPipeline, type ListenerSettings } from './listener/listener.js';
import type { Logger } from './log/logger.js';
import { buildPipeline } from './listener/pipeline.js';
import type { Pool } from './pool/pool.js';
import type { PoolRuntime } from './pool/pool-runtime.js';
import { PoolRuntime as PoolRuntimeClass, targetSpecs } from './pool/pool-runtime.js';
import { TargetStore, type ConfigChange } from './store/target-store.js';
import { poolDialer, upstreamTlsWarnings } from './tls/upstream-dialer.js';
import { loadRelayAddon } from './proxy/native-addon.js';
import { RelayChoice, type RelayStatus } from './proxy/relay-choice.js';
import { udpPlaneFor, type UdpPlane } from './udp/udp-app.js';
import type { SocketSource } from './supervisor/socket-spec.js';
import { socketSpecOf } from './listener/listener.js';
import { addonDescriptorOps, type DescriptorOps } from './listener/accept-gate.js';
import { DescriptorGuard } from './listener/descriptor-guard.js';
import { fdBudget, maxConnectionsWarning, type FdBudget } from './listener/fd-budget.js';
import { openFileLimits } from './core/open-files.js';

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
  /** Listen with SO_REUSEPORT (a cluster worker in `reuseport` accept mode: src/cluster/accept-mode.ts). */
  readonly reusePort?: boolean;
  /** The relay strategy (tests inject one without the native addon). */
  readonly relay?: RelayChoice;
  /** The owner of target state; one of its own when not given. */
  readonly store?: TargetStore;
  /** Listening sockets held by the supervisor across upgrades (src/supervisor/). */
  readonly sockets?: SocketSource | undefined;
  /** The descriptor budget (tests); by default from this process's open-file limit. */
  readonly fdBudget?: FdBudget;
  /** dup/close for stopping accept (tests inject none: the fallback); by default the native addon's. */
  readonly descriptorOps?: DescriptorOps | undefined;
}

/** GET /api/status `descriptors`: the limit, what it allows, and what is open now. */
export interface DescriptorStatus extends FdBudget {
  /** Client connections open in the listeners of this process. */
  readonly open: number;
  /** Listeners not accepting now (clients wait in the backlog); with --workers, see lb_listener_paused. */
  readonly pausedListeners?: readonly string[];
  /** With --workers: each worker has this limit and budget of its own; `open` is their sum. */
  readonly perWorker?: true;
}

export interface ApplySummary {
  readonly listeners: { added: string[]; removed: string[]; changed: string[] };
  /** `changed` also names pools whose targets the admin API had changed: the apply resets them. */
  readonly pools: { added: string[]; removed: string[]; changed: string[] };
  /** Every change, old → new (src/config/diff.ts). */
  readonly diff: ConfigDiff;
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
  /** Native or JavaScript relay for new sessions (config `relay`). */
  readonly #relay: RelayChoice;
  #config: Config | undefined;
  /** The `protocol: udp` listeners (src/udp/), routing to the same pools. */
  readonly udp: UdpPlane;

  /** What the last apply() changed in the store, for a revert. */
  #lastChange: ConfigChange | undefined;
  /** Every target change: the store's, which the pools follow. */
  readonly store: TargetStore;
  /** The descriptors of this process, shared by its TCP listeners. */
  readonly #guard: DescriptorGuard;
  readonly #descriptorOps: DescriptorOps | undefined;

  constructor(readonly deps: AppDeps) {
    this.#relay = deps.relay ?? new RelayChoice(loadRelayAddon, deps.log);
    this.store = deps.store ?? new TargetStore({ clock: deps.clock });
    this.udp = udpPlaneFor(this, (name) => this.#pools.get(name));
    this.#guard = new DescriptorGuard(deps.fdBudget ?? fdBudget(openFileLimits()), deps.clock);
    this.#descriptorOps = 'descriptorOps' in deps ? deps.descriptorOps : addonDescriptorOps(loadRelayAddon);
    this.store.subscribe((events) => {
      for (const name of new Set(events.map((e) => e.pool))) this.#follow(name);
    });
  }

  /** The pool takes its targets from the store (in one synchronous pass). */
  #follow(name: string): void {
    const rt = this.#pools.get(name);
    const state = this.store.pool(name);
    if (rt && state) rt.sync(state.targets);
  }

  get lastConfigChange(): ConfigChange | undefined {
    return this.#lastChange;
  }

  /** What relays the bytes of new connections, and how many the native relay holds now. */
  relayStatus(): RelayStatus {
    return this.#relay.status();
  }

  get config(): Config | undefined {
    return this.#config;
  }

  descriptors(): DescriptorStatus {
    const paused = [...this.#listeners.values()].filter((l) => l.paused).map((l) => l.name);
    return { ...this.#guard.budget, open: this.#guard.open, pausedListeners: paused };
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
        this.store.recordCheck(pool.name, id, {
          ok: result.ok,
          at,
          detail: result.detail,
          ...(result.ok ? { latencyMs: Math.round(result.latencyMs * 1000) / 1000 } : {}),
        });
        const t = pool.get(id);
        if (t) t.lastCheck = this.store.target(pool.name, id)?.lastCheck; // a reading: no event carries it
        extra?.onCheck(id, result, at);
      },
      onTransition: (tr) => {
        this.store.setHealth(pool.name, tr.id, tr.to, tr.cause);
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
    return new PoolRuntimeClass(name, c.pools[name]!, {
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
   * nothing else has been changed yet. A reload never cuts an established connection: listeners
   * it removes or moves drain without a deadline (`drainTimeout` is for shutdown).
   */
  async apply(next: Config, drainMs = Infinity, revert?: ConfigChange): Promise<ApplySummary> {
    const startedAt = this.store.revision; // target changes made from now on are newer than `next`
    const diff = diffConfigs(this.#config, next);
    const names = (changed: readonly { name: string }[]): string[] => changed.map((c) => c.name);
    const summary: ApplySummary = {
      listeners: {
        added: [...diff.listeners.added],
        removed: [...diff.listeners.removed],
        changed: names(diff.listeners.changed),
      },
      pools: { added: [...diff.pools.added], removed: [...diff.pools.removed], changed: names(diff.pools.changed) },
      diff,
    };
    // 0. read certificates and CA files first: a bad file aborts the reload before anything changed
    const pipelines = new Map(Object.keys(next.listeners).map((n) => [n, this.#pipelineFor(n, next)] as const));
    const dialers = new Map(Object.entries(next.pools).map(([n, p]) => [n, poolDialer(n, p, next.keepAlive)] as const));
    for (const w of upstreamTlsWarnings(next.pools)) this.deps.log.warn(w);
    this.#relay.setMode(next.relay);
    for (const name of [...diff.listeners.added, ...names(diff.listeners.changed)]) {
      const max = next.listeners[name]?.protocol === 'udp' ? undefined : next.listeners[name]?.maxConnections;
      const warning = max === undefined ? undefined : maxConnectionsWarning(name, max, this.#guard.budget);
      if (warning && this.deps.serveTraffic !== false) this.deps.log.warn(warning);
    }
    // 1. listeners with a new address: open first, so a bind failure aborts the reload cleanly
    const rebound = diff.listeners.changed.filter((l) =>
      l.changes.some((c) => c.key === 'bind' || c.key === 'protocol'),
    );
    const opened: Listener[] = [];
    const tcpOnly = (n: string): boolean => next.listeners[n]?.protocol !== 'udp';
    for (const name of this.deps.serveTraffic === false
      ? []
      : [...diff.listeners.added, ...names(rebound)].filter(tcpOnly)) {
      const l = new Listener(
        { ...listenerSettings(name, next), reusePort: this.deps.reusePort === true, sockets: this.deps.sockets },
        pipelines.get(name)!,
        this.deps.observer,
        this.deps.log,
        this.#relay.current,
        { guard: this.#guard, descriptors: this.#descriptorOps },
      );
      try {
        await l.start();
      } catch (e) {
        await Promise.all(opened.map((o) => o.drain(0)));
        throw e;
      }
      opened.push(l);
    }
    const udp = await this.udp.prepare(next).catch(async (e: unknown) => {
      await Promise.all(opened.map((o) => o.drain(0)));
      throw e;
    });
    // 2. pools: settings from the config; targets from the store, where a reload replaces the config
    // layer and drops the admin API's membership and weight changes (store/target-store.ts)
    for (const name of diff.pools.added) this.#pools.set(name, this.#newPool(name, next));
    for (const [name, existing] of this.#pools) {
      if (!(name in next.pools) || diff.pools.added.includes(name)) continue;
      if (summary.pools.changed.includes(name)) existing.update(next.pools[name]!);
      else if (this.store.pool(name)?.changedAtRuntime) summary.pools.changed.push(name);
    }
    const specs = Object.fromEntries(Object.entries(next.pools).map(([n, p]) => [n, targetSpecs(p)] as const));
    if (revert) this.store.revertConfig(revert, 'config reload reverted');
    else this.#lastChange = this.store.applyConfig(specs, this.#config ? 'config reload' : 'config load', startedAt);
    // Every apply re-reads the CA files, so that a rotated CA takes effect with a reload.
    for (const [name, dialer] of dialers) this.#pools.get(name)!.dialer = dialer;
    // 3. swap listeners in (a moved one drains at its old address), reroute kept ones
    const draining: Promise<void>[] = [];
    for (const l of opened) {
      const old = this.#listeners.get(l.name);
      if (old) draining.push(this.#retire(old, drainMs));
      this.#listeners.set(l.name, l);
    }
    for (const name of diff.listeners.removed) {
      const l = this.#listeners.get(name); // none in a cluster primary
      if (l) draining.push(this.#retire(l, drainMs));
      this.#listeners.delete(name);
      this.#clientTables.delete(name);
    }
    for (const [name, l] of this.#listeners) {
      if (opened.includes(l)) continue;
      if (!tcpOnly(name)) {
        draining.push(l.drain(drainMs)); // became a UDP listener
        this.#listeners.delete(name);
        continue;
      }
      // A new pipeline on every apply: certificates are read again, so rotation needs no config change.
      l.setPipeline(pipelines.get(name)!);
      l.update(listenerSettings(name, next));
    }
    // 4. pools no longer named: sessions already running keep their PoolRuntime reference
    for (const name of diff.pools.removed) {
      draining.push(this.#pools.get(name)!.stop());
      this.#pools.delete(name);
    }
    udp.commit();
    this.#config = next;
    // Drains run in the background: a reload returns as soon as the new config serves.
    void Promise.all(draining).catch((e: unknown) => this.deps.log.error({ err: e }, 'drain failed'));
    return summary;
  }

  /** A listener a reload removed or moved: the supervisor no longer keeps its socket either. */
  async #retire(l: Listener, drainMs: number): Promise<void> {
    const closing = l.drain(drainMs);
    await l.stopAccepting();
    this.deps.sockets?.release(socketSpecOf(l.settings));
    await closing;
  }

  /**
   * Graceful shutdown: stop accepting everywhere (UDP: no new session), drain up to `drainMs`
   * (UDP sessions go on meanwhile), stop health checks.
   */
  async shutdown(drainMs: number): Promise<void> {
    this.udp.stopAdmitting();
    await Promise.all([...this.#listeners.values()].map((l) => l.drain(drainMs)));
    await this.udp.stop();
    await Promise.all([...this.#pools.values()].map((p) => p.stop()));
    this.#relay.stop();
    this.#guard.stop();
  }

  /** Immediate stop: every connection is cut. */
  async stop(): Promise<void> {
    await this.shutdown(0);
  }
}
