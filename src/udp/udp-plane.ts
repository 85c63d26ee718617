import { compileAcl } from '../access/acl.js';
import { clientLimitsOf } from '../access/access-pipeline.js';
import { ClientTable } from '../access/client-table.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { PoolConfig } from '../config/schema.js';
import { UdpListener, type UdpListenerSettings, type UdpPipeline } from './udp-listener.js';
import type { UdpAddon } from './native-udp.js';
import { udpProxyHeader } from './udp-proxy-header.js';
import type { UdpPoolContext } from './udp-session.js';
import { newUdpStats, type UdpObserver, type UdpStats } from './udp-types.js';
import type { UdpRole } from './udp-workers.js';
import type { SocketSource } from '../supervisor/socket-spec.js';

/** What the UDP plane needs of the pools: the same PoolRuntime a TCP listener routes to. */
export type UdpPoolSource = (name: string) => (UdpPoolContext & { readonly config: PoolConfig }) | undefined;

export interface UdpPlaneDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly observer: UdpObserver;
  readonly pools: UdpPoolSource;
  readonly role: UdpRole;
  /** Sockets held by the supervisor across upgrades (src/supervisor/). */
  readonly sockets?: SocketSource | undefined;
  /** The native addon when the relay is native (`relay: auto` with the addon built, or `native`). */
  readonly native?: () => UdpAddon | undefined;
}

/** 4 MiB: some thousand datagrams of a typical size across a listener's queues. */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const udpNames = (c: Config | undefined): string[] =>
  Object.entries(c?.listeners ?? {})
    .filter(([, l]) => l.protocol === 'udp')
    .map(([n]) => n);

/** A prepared apply: new sockets are bound; `commit` swaps them in, `abort` closes them. */
export interface UdpApply {
  commit(): void;
  abort(): Promise<void>;
}

/**
 * The UDP listeners of one process (`protocol: udp`), applied from the config beside the TCP
 * ones: the App calls prepare() where it opens listeners, and commit() where it swaps them.
 * Pools, health and balancers are the App's; stats and per-client counters outlive a reload.
 */
export class UdpPlane {
  readonly #listeners = new Map<string, UdpListener>();
  readonly #stats = new Map<string, UdpStats>();
  readonly #clients = new Map<string, ClientTable>();
  #config: Config | undefined;

  constructor(private readonly deps: UdpPlaneDeps) {}

  listeners(): ReadonlyMap<string, UdpListener> {
    return this.#listeners;
  }

  /** Totals by listener name, for metrics (kept after a listener is removed); the native path's replies brought in. */
  stats(): ReadonlyMap<string, UdpStats> {
    for (const l of this.#listeners.values()) l.sync();
    return this.#stats;
  }

  #settings(name: string, c: Config): UdpListenerSettings {
    const l = c.listeners[name]!;
    const role = this.deps.role;
    return {
      name,
      host: l.bind.host,
      port: l.bind.port,
      maxBufferedBytes: l.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      reusePort: role.serve && role.reusePort,
      exclusive: role.serve && role.exclusive,
      // SO_REUSEPORT workers bind sockets of their own (udp-workers.ts)
      sockets: role.serve && !role.reusePort ? this.deps.sockets : undefined,
      native: this.deps.native?.(),
    };
  }

  #pipeline(name: string, c: Config): UdpPipeline {
    const l = c.listeners[name]!;
    const clients = this.#clients.get(name) ?? this.#clients.set(name, new ClientTable()).get(name)!;
    const local = { address: l.bind.host, port: l.bind.port };
    return {
      policy: {
        acl: compileAcl(l.allow, l.deny),
        maxSessions: l.maxConnections,
        limits: clientLimitsOf(l),
        clients,
        now: () => this.deps.clock.now(),
      },
      route: () => {
        const ctx = this.deps.pools(l.pool);
        if (!ctx) return undefined;
        const header = udpProxyHeader(ctx.config.proxyProtocol, {
          address: local.address,
          port: this.#listeners.get(name)?.port ?? local.port,
        });
        return { ctx, idleMs: () => ctx.config.idleTimeout, ...(header ? { header } : {}) };
      },
    };
  }

  async prepare(next: Config): Promise<UdpApply> {
    const before = this.#config;
    const opened: UdpListener[] = [];
    const rebound = (n: string): boolean => {
      const [a, b] = [before?.listeners[n], next.listeners[n]];
      return a?.protocol !== 'udp' || a.bind.host !== b?.bind.host || a.bind.port !== b.bind.port;
    };
    if (this.deps.role.serve)
      for (const name of udpNames(next).filter(rebound)) {
        const stats = this.#stats.get(name) ?? this.#stats.set(name, newUdpStats()).get(name)!;
        const l = new UdpListener(
          this.#settings(name, next),
          this.#pipeline(name, next),
          stats,
          this.deps.observer,
          this.deps.log,
        );
        try {
          await l.start();
        } catch (e) {
          await Promise.all(opened.map((o) => o.stop()));
          throw e;
        }
        opened.push(l);
      }
    return {
      abort: async () => {
        await Promise.all(opened.map((o) => o.stop()));
      },
      commit: () => {
        const keep = new Set(udpNames(next));
        for (const l of opened) {
          void this.#listeners.get(l.name)?.stop(); // moved: its sessions end, clients start new ones
          this.#listeners.set(l.name, l);
        }
        for (const [name, l] of this.#listeners) {
          if (!keep.has(name)) {
            void l.stop();
            this.#listeners.delete(name);
            this.#clients.delete(name);
            continue;
          }
          if (opened.includes(l)) continue;
          l.setPipeline(this.#pipeline(name, next));
          l.update(this.#settings(name, next));
        }
        this.#config = next;
      },
    };
  }

  /**
   * The targets' health, admin state or membership changed: a native session on a target that
   * may no longer take it moves on its next datagram, as on the JavaScript path (not at the next
   * sweep).
   */
  targetsChanged(): void {
    for (const l of this.#listeners.values()) l.reroute();
  }

  /** While the TCP listeners drain: open sessions go on, new clients are refused (dropped as `shutdown`). */
  stopAdmitting(): void {
    for (const l of this.#listeners.values()) l.stopAdmitting();
  }

  /** An upgrade: the next generation reads the supervisor's sockets from now on (udp-listener.ts). */
  handOver(): void {
    for (const l of this.#listeners.values()) l.handOver();
  }

  /** Closes every listener; `graceMs`: how long the targets may answer what was read before a hand-over. */
  async stop(graceMs = 0): Promise<void> {
    await Promise.all([...this.#listeners.values()].map((l) => l.stop('shutdown', graceMs)));
    this.#listeners.clear();
  }
}
