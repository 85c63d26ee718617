import type { Config } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import { random } from '../core/random.js';
import { openConnections } from '../listener/open-connections.js';
import { createLogger, type Logger, type LoggerHandle } from '../log/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { connectionObserver } from '../plane/connection-observer.js';
import { DataPlane } from '../plane/data-plane.js';
import type { PlaneAck } from '../plane/plane-link.js';
import { sendTo, type Channel } from './channel.js';
import { decodeToWorker, stamp, type Snapshot, type ToPrimary } from './messages.js';
import { RemoteHealth } from './remote-health.js';
import { deepFreeze } from './snapshot.js';
import { collectStats } from './worker-stats.js';
import type { PrimarySockets } from './primary-sockets.js';

type Outgoing = ToPrimary extends infer M ? (M extends unknown ? Omit<M, 'v'> : never) : never;

/**
 * One cluster worker: a data plane (plane/data-plane.ts) fed with the primary's snapshots over
 * IPC. It holds no control state of its own: passive health results leave as reports, counters
 * go back with every ack and on request, and it stops when the primary says so.
 */
export class ClusterWorker {
  #plane: DataPlane | undefined;
  #log: Logger | undefined;
  #logger: LoggerHandle | undefined;
  #metrics: Metrics | undefined;
  #stopping = false;

  constructor(
    private readonly slot: number,
    private readonly parent: Channel,
    private readonly exit: (code: number) => void,
    /** Listen on sockets of its own with SO_REUSEPORT (accept-mode.ts), not on the primary's. */
    private readonly reusePort = false,
    /** Listen on the supervisor's sockets, passed on by the primary (cluster-spawn.ts). */
    private readonly sockets?: PrimarySockets,
  ) {}

  start(): void {
    this.parent.on('message', (m, handle) => this.#onMessage(m, handle));
    this.#send({ type: 'hello', pid: process.pid });
  }

  #send(m: Outgoing): void {
    sendTo(this.parent, stamp(m));
  }

  #onMessage(raw: unknown, handle?: unknown): void {
    const d = decodeToWorker(raw);
    if (!d.ok) {
      if (this.#log) this.#log.error(d.error);
      else process.stderr.write(`worker ${this.slot}: ${d.error}\n`);
      return;
    }
    const m = d.message;
    if (m.type === 'snapshot') this.#receive(deepFreeze(m));
    else if (m.type === 'drain') this.drain(m.timeoutMs, m.handOver);
    else if (m.type === 'socket') this.sockets?.answer(m, handle);
    else if (m.type === 'connections') {
      const listeners = this.#plane?.listeners().values() ?? [];
      this.#send({ type: 'connections', id: m.id, connections: openConnections(listeners, m.pool, m.target, m.limit) });
    } else if (m.what === 'stats') this.#send({ type: 'stats', id: m.id, stats: this.#stats() });
    else void this.#sendMetrics(m.id);
  }

  #stats() {
    return this.#plane?.stats() ?? collectStats({ listeners: () => new Map(), pools: () => new Map() });
  }

  async #sendMetrics(id: number): Promise<void> {
    this.#metrics?.refresh();
    const metrics = ((await this.#metrics?.registry.getMetricsAsJSON()) ?? []) as unknown as Record<string, unknown>[];
    this.#send({ type: 'metrics', id, metrics });
  }

  #receive(s: Snapshot): void {
    if (this.#stopping) return;
    const plane = this.#plane ?? this.#build(s.config);
    plane.receive(s);
  }

  #onApplied(ack: PlaneAck): void {
    // An Error object does not cross IPC: its code and message do.
    const { thrown: _thrown, ...sent } = ack;
    const level = this.#plane?.config?.log.level;
    if (level && this.#log && this.#logger) this.#log.level = this.#logger.log.level = level;
    this.#send({ type: 'applied', ...sent });
  }

  #build(config: Config): DataPlane {
    this.#logger = createLogger({ level: config.log.level, format: config.log.format });
    const log = this.#logger.log.child({ worker: this.slot, pid: process.pid });
    this.#log = log;
    // As in one process: metrics are counted only when the admin API (served by the primary) is on.
    const metrics = config.admin ? new Metrics({ runtime: () => this.#plane, gauges: 'data' }) : undefined;
    this.#metrics = metrics;
    const plane: DataPlane = new DataPlane({
      log,
      clock: systemClock(),
      random,
      observer: connectionObserver(config, log, metrics),
      passive: (pool) =>
        new RemoteHealth(
          pool,
          (r) => this.#send({ type: 'passive', ...r }),
          (id) => plane.pools().get(pool)?.pool.get(id)?.health === 'unhealthy',
        ),
      onApplied: (ack) => this.#onApplied(ack),
      reusePort: this.reusePort,
      // Sharing one listening socket, Node's accept spreads the connections over the workers;
      // with SO_REUSEPORT each has its own socket and the kernel spreads them.
      nativeAccept: this.reusePort,
      sockets: this.sockets,
    });
    this.#plane = plane;
    return plane;
  }

  /** Stops accepting, lets connections finish for up to `timeoutMs`, then exits 0. */
  drain(timeoutMs: number, handOver = false): void {
    if (this.#stopping) return;
    this.#stopping = true;
    const log = this.#log;
    log?.info(`draining connections for up to ${timeoutMs}ms`);
    void Promise.resolve(this.#plane?.shutdown(timeoutMs, handOver)).then(() => {
      log?.info('stopped');
      this.#logger?.flushSync();
      this.exit(0);
    });
  }

  get drainTimeout(): number {
    return this.#plane?.config?.drainTimeout ?? 0;
  }

  get stopping(): boolean {
    return this.#stopping;
  }
}
