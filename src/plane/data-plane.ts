import { ClientTable } from '../access/client-table.js';
import type { Clock } from '../core/clock.js';
import { isLbError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { diffConfigs } from '../config/diff.js';
import type { PassiveHealth } from '../health/health-control.js';
import { Listener, type ListenerObserver, type ListenerPipeline, type ListenerSettings } from '../listener/listener.js';
import { buildPipeline } from '../listener/pipeline.js';
import type { Logger } from '../log/logger.js';
import { PoolRuntime } from '../pool/pool-runtime.js';
import { loadRelayAddon } from '../proxy/native-addon.js';
import { RelayChoice, type RelayStatus } from '../proxy/relay-choice.js';
import type { SocketSource } from '../supervisor/socket-spec.js';
import { poolDialer } from '../tls/upstream-dialer.js';
import { udpFunctions } from '../udp/native-udp.js';
import { udpPlaneFor, type UdpPlane } from '../udp/udp-app.js';
import { udpRole } from '../udp/udp-workers.js';
import { applyTargetStates } from '../cluster/snapshot.js';
import { openFileLimits } from '../core/open-files.js';
import { addonDescriptorOps, type DescriptorOps } from '../listener/accept-gate.js';
import { DescriptorGuard } from '../listener/descriptor-guard.js';
import { fdBudget, maxConnectionsWarning, type FdBudget } from '../listener/fd-budget.js';
import { collectStats } from '../cluster/worker-stats.js';
import type { WorkerStats } from '../cluster/messages.js';
import type { PlaneAck, PlaneUpdate, UpdateSink } from './plane-link.js';

export interface DataPlaneDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  readonly observer: ListenerObserver;
  /** Where the passive health results of each pool's traffic go (the control plane). */
  readonly passive: (pool: string) => PassiveHealth;
  /** Told of every update applied (or refused), in version order. */
  readonly onApplied: (ack: PlaneAck) => void;
  /** Listen with SO_REUSEPORT (a cluster worker in `reuseport` accept mode: src/cluster/accept-mode.ts). */
  readonly reusePort?: boolean | undefined;
  /**
   * false: Node accepts whatever the config says (a cluster worker sharing one listening socket
   * with the others: one relay thread woken first would take every connection, where Node's
   * accept spreads them).
   */
  readonly nativeAccept?: boolean | undefined;
  /** The relay strategy (tests inject one without the native addon). */
  readonly relay?: RelayChoice | undefined;
  /** Listening sockets held by the supervisor across upgrades (src/supervisor/). */
  readonly sockets?: SocketSource | undefined;
  /** The descriptor budget (tests); by default from this process's open-file limit. */
  readonly fdBudget?: FdBudget | undefined;
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

const listenerSettings = (name: string, c: Config): ListenerSettings => {
  const l = c.listeners[name]!;
  return {
    name,
    host: l.bind.host,
    port: l.bind.port,
    maxConnections: l.maxConnections,
    keepAliveMs: c.keepAlive,
    nativeAccept: c.nativeAccept,
  };
};

type Summary = NonNullable<PlaneAck['summary']>;
const NO_CHANGES: Summary = {
  listeners: { added: [], removed: [], changed: [] },
  pools: { added: [], removed: [], changed: [] },
};

/**
 * The data plane: listeners, inspectors, sessions, balancers and relays, fed by the control
 * plane's updates (receive()) and reporting counters back (stats(), and every ack). It holds no
 * control state: the config and every target's membership, weight, admin state and health come
 * in updates, passive health results leave through `passive`. The same class serves in a single
 * process (fed in a call) and in each cluster worker (fed over IPC: cluster/worker.ts).
 */
/** At an upgrade, how long UDP targets may answer the datagrams already read. */
const UDP_REPLY_GRACE_MS = 2000;

export class DataPlane implements UpdateSink {
  readonly #pools = new Map<string, PoolRuntime>();
  readonly #listeners = new Map<string, Listener>();
  /** Per-client counters by listener name: they outlive a reload, as the connections they count do. */
  readonly #clientTables = new Map<string, ClientTable>();
  readonly #relay: RelayChoice;
  /** The descriptors of this process, shared by its TCP listeners. */
  readonly #guard: DescriptorGuard;
  readonly #descriptorOps: DescriptorOps | undefined;
  /** The `protocol: udp` listeners (src/udp/), routing to the same pools. */
  readonly udp: UdpPlane;
  #config: Config | undefined;
  // The feed: the latest update wins; one apply at a time.
  #latest: PlaneUpdate | undefined;
  #applied = 0;
  #configVersion = 0;
  /** A config is being applied: updates wait for it, the latest wins. */
  #busy = false;
  #queue: Promise<void> = Promise.resolve();
  #stopping = false;

  constructor(private readonly deps: DataPlaneDeps) {
    this.#relay = deps.relay ?? new RelayChoice(loadRelayAddon, deps.log);
    this.#guard = new DescriptorGuard(deps.fdBudget ?? fdBudget(openFileLimits()), deps.clock);
    this.#descriptorOps = 'descriptorOps' in deps ? deps.descriptorOps : addonDescriptorOps(loadRelayAddon);
    this.udp = udpPlaneFor(
      { ...deps, native: () => udpFunctions(this.#relay.current()?.addon) },
      () => this.#config,
      (name) => this.#pools.get(name),
      udpRole(process.env),
    );
  }

  get config(): Config | undefined {
    return this.#config;
  }

  pools(): ReadonlyMap<string, PoolRuntime> {
    return this.#pools;
  }

  listeners(): ReadonlyMap<string, Listener> {
    return this.#listeners;
  }

  descriptors(): DescriptorStatus {
    const paused = [...this.#listeners.values()].filter((l) => l.paused).map((l) => l.name);
    return { ...this.#guard.budget, open: this.#guard.open, pausedListeners: paused };
  }

  /** What relays the bytes of new connections, and how many the native relay holds now. */
  relayStatus(): RelayStatus {
    const accepting = [...this.#listeners.values()].filter((l) => l.acceptsNatively).map((l) => l.name);
    return { ...this.#relay.status(), nativeAccept: accepting };
  }

  /** Counters of every listener and target (removed ones still draining included), and the relay. */
  stats(): WorkerStats {
    return collectStats(this);
  }

  /**
   * Takes an update. Target changes alone are applied at once, in one synchronous pass (no
   * connection is balanced on a half-applied state, and an admin change has reached the pools
   * when the caller goes on); a new config is applied in turn, and the latest update wins.
   */
  receive(update: PlaneUpdate): void {
    if (this.#stopping || update.version <= this.#applied) return;
    this.#latest = update;
    if (this.#busy) return; // the turn under way takes it next
    if (update.configVersion === this.#configVersion) {
      this.#applied = update.version;
      applyTargetStates(this.#pools, update.pools);
      this.udp.targetsChanged();
      return this.deps.onApplied({ version: update.version, ok: true, summary: NO_CHANGES, stats: this.stats() });
    }
    this.#busy = true;
    this.#queue = this.#drain();
  }

  /** Applies the latest update until none is newer. */
  async #drain(): Promise<void> {
    for (;;) {
      const u = this.#latest!;
      if (u.version <= this.#applied || this.#stopping) {
        this.#busy = false;
        return;
      }
      const ack = await this.#applyUpdate(u);
      // Not busy any more before the ack goes out when nothing newer came meanwhile: a target
      // change its receiver makes in answer is applied in a call, as any other.
      const done = this.#latest!.version <= this.#applied;
      if (done) this.#busy = false;
      try {
        this.deps.onApplied(ack);
      } catch (e) {
        this.deps.log.error({ err: e }, 'update acknowledgement failed');
      }
      if (done) return;
    }
  }

  async #applyUpdate(u: PlaneUpdate): Promise<PlaneAck> {
    this.#applied = u.version;
    let summary = NO_CHANGES;
    try {
      if (u.configVersion !== this.#configVersion) {
        summary = await this.#apply(u.config);
        this.#configVersion = u.configVersion;
      }
      applyTargetStates(this.#pools, u.pools);
      this.udp.targetsChanged();
      return { version: u.version, ok: true, summary, stats: this.stats() };
    } catch (e) {
      const error = isLbError(e)
        ? { code: e.code, message: e.message }
        : { code: 'LB_ERR_INTERNAL', message: e instanceof Error ? e.message : String(e) };
      return { version: u.version, ok: false, error, stats: this.stats(), thrown: e };
    }
  }

  #newPool(name: string, c: Config): PoolRuntime {
    return new PoolRuntime(name, c.pools[name]!, {
      clock: this.deps.clock,
      random: this.deps.random,
      keepAliveMs: c.keepAlive,
      passive: this.deps.passive(name),
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
   * Applies a config as a diff: new listeners open, removed ones drain, changed pools update in
   * place (targets keep their counters). Opening a new listener can fail; then nothing here has
   * been changed yet. A reload never cuts an established connection: listeners it removes or
   * moves drain without a deadline (`drainTimeout` is for shutdown).
   */
  async #apply(next: Config): Promise<Summary> {
    const diff = diffConfigs(this.#config, next);
    const names = (changed: readonly { name: string }[]): string[] => changed.map((c) => c.name);
    const summary: Summary = {
      listeners: {
        added: [...diff.listeners.added],
        removed: [...diff.listeners.removed],
        changed: names(diff.listeners.changed),
      },
      pools: { added: [...diff.pools.added], removed: [...diff.pools.removed], changed: names(diff.pools.changed) },
    };
    // 0. read certificates and CA files first: a bad file aborts the reload before anything changed
    const pipelines = new Map(Object.keys(next.listeners).map((n) => [n, this.#pipelineFor(n, next)] as const));
    const dialers = new Map(Object.entries(next.pools).map(([n, p]) => [n, poolDialer(n, p, next.keepAlive)] as const));
    this.#relay.setMode(next.relay);
    for (const name of [...diff.listeners.added, ...names(diff.listeners.changed)]) {
      const max = next.listeners[name]?.protocol === 'udp' ? undefined : next.listeners[name]?.maxConnections;
      const warning = max === undefined ? undefined : maxConnectionsWarning(name, max, this.#guard.budget);
      if (warning) this.deps.log.warn(warning);
    }
    // 1. listeners with a new address: open first, so a bind failure aborts the reload cleanly
    const rebound = diff.listeners.changed.filter((l) =>
      l.changes.some((c) => c.key === 'bind' || c.key === 'protocol'),
    );
    const opened: Listener[] = [];
    const tcpOnly = (n: string): boolean => next.listeners[n]?.protocol !== 'udp';
    for (const name of [...diff.listeners.added, ...names(rebound)].filter(tcpOnly)) {
      const l = new Listener(
        {
          ...listenerSettings(name, next),
          nativeAccept: next.nativeAccept && this.deps.nativeAccept !== false,
          reusePort: this.deps.reusePort === true,
          sockets: this.deps.sockets,
        },
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
    // 2. pools: settings from the config; their targets come with the update (applyTargetStates)
    for (const name of diff.pools.added) this.#pools.set(name, this.#newPool(name, next));
    for (const c of diff.pools.changed) this.#pools.get(c.name)?.update(next.pools[c.name]!);
    // Every apply re-reads the CA files, so that a rotated CA takes effect with a reload.
    for (const [name, dialer] of dialers) this.#pools.get(name)!.dialer = dialer;
    // 3. swap listeners in (a moved one drains at its old address), reroute kept ones
    const draining: Promise<void>[] = [];
    for (const l of opened) {
      const old = this.#listeners.get(l.name);
      if (old) draining.push(old.drain(Infinity));
      this.#listeners.set(l.name, l);
    }
    for (const name of diff.listeners.removed) {
      const l = this.#listeners.get(name);
      if (l) draining.push(l.drain(Infinity));
      this.#listeners.delete(name);
      this.#clientTables.delete(name);
    }
    for (const [name, l] of this.#listeners) {
      if (opened.includes(l)) continue;
      if (!tcpOnly(name)) {
        draining.push(l.drain(Infinity)); // became a UDP listener
        this.#listeners.delete(name);
        continue;
      }
      // A new pipeline on every apply: certificates are read again, so rotation needs no config change.
      l.setPipeline(pipelines.get(name)!);
      l.update(listenerSettings(name, next));
    }
    // 4. pools no longer named: sessions already running keep their PoolRuntime reference
    for (const name of diff.pools.removed) this.#pools.delete(name);
    udp.commit();
    this.#config = next;
    // Drains run in the background: a reload returns as soon as the new config serves.
    void Promise.all(draining).catch((e: unknown) => this.deps.log.error({ err: e }, 'drain failed'));
    return summary;
  }

  /**
   * Graceful shutdown: stop accepting everywhere (UDP: no new session), let connections finish
   * for up to `drainMs` (UDP sessions go on meanwhile). `handOver` (an upgrade): the next
   * generation reads the UDP sockets at once, and the sessions here only get their replies.
   */
  async shutdown(drainMs: number, handOver = false): Promise<void> {
    this.#stopping = true;
    await this.#queue; // an apply under way finishes first
    if (handOver) this.udp.handOver();
    else this.udp.stopAdmitting();
    await Promise.all([...this.#listeners.values()].map((l) => l.drain(drainMs)));
    await this.udp.stop(handOver ? Math.min(drainMs, UDP_REPLY_GRACE_MS) : 0);
    this.#relay.stop();
    this.#guard.stop();
  }
}
