import { App, type ApplySummary } from '../app.js';
import type { Config } from '../config/schema.js';
import { NO_DIFF } from '../config/diff.js';
import { systemClock } from '../core/clock.js';
import { isLbError } from '../core/errors.js';
import { random } from '../core/random.js';
import { AccessLog, fanout } from '../log/access-log.js';
import { openConnections } from '../listener/open-connections.js';
import { createLogger, type Logger, type LoggerHandle } from '../log/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { sendTo, type Channel } from './channel.js';
import { decodeToWorker, stamp, type Snapshot, type ToPrimary } from './messages.js';
import { RemoteHealth } from './remote-health.js';
import { applyTargetStates, deepFreeze } from './snapshot.js';
import { collectStats } from './worker-stats.js';

const NO_CHANGES: ApplySummary = {
  listeners: { added: [], removed: [], changed: [] },
  pools: { added: [], removed: [], changed: [] },
  diff: NO_DIFF,
};

type Outgoing = ToPrimary extends infer M ? (M extends unknown ? Omit<M, 'v'> : never) : never;

/**
 * One cluster worker: the data plane (listeners, sessions, balancers) of an App built from the
 * primary's snapshots. It holds no control state of its own: health and admin changes arrive in
 * snapshots, passive health results leave as reports, and it stops when the primary says so.
 */
export class ClusterWorker {
  #app: App | undefined;
  #log: Logger | undefined;
  #logger: LoggerHandle | undefined;
  #metrics: Metrics | undefined;
  #latest: Snapshot | undefined;
  #applied = 0;
  #configVersion = 0;
  #queue: Promise<void> = Promise.resolve();
  #stopping = false;

  constructor(
    private readonly slot: number,
    private readonly parent: Channel,
    private readonly exit: (code: number) => void,
    /** Listen on sockets of its own with SO_REUSEPORT (accept-mode.ts), not on the primary's. */
    private readonly reusePort = false,
  ) {}

  start(): void {
    this.parent.on('message', (m) => this.#onMessage(m));
    this.#send({ type: 'hello', pid: process.pid });
  }

  #send(m: Outgoing): void {
    sendTo(this.parent, stamp(m));
  }

  #onMessage(raw: unknown): void {
    const d = decodeToWorker(raw);
    if (!d.ok) {
      if (this.#log) this.#log.error(d.error);
      else process.stderr.write(`worker ${this.slot}: ${d.error}\n`);
      return;
    }
    const m = d.message;
    if (m.type === 'snapshot') {
      this.#latest = deepFreeze(m);
      this.#queue = this.#queue.then(() => this.#applyLatest());
    } else if (m.type === 'drain') this.drain(m.timeoutMs);
    else if (m.type === 'connections') {
      const listeners = this.#appOrEmpty().listeners().values();
      this.#send({ type: 'connections', id: m.id, connections: openConnections(listeners, m.pool, m.target, m.limit) });
    } else if (m.what === 'stats') this.#send({ type: 'stats', id: m.id, stats: collectStats(this.#appOrEmpty()) });
    else void this.#sendMetrics(m.id);
  }

  #appOrEmpty(): Pick<App, 'config' | 'listeners' | 'pools'> {
    return this.#app ?? { config: undefined, listeners: () => new Map(), pools: () => new Map() };
  }

  async #sendMetrics(id: number): Promise<void> {
    this.#metrics?.refresh();
    const metrics = ((await this.#metrics?.registry.getMetricsAsJSON()) ?? []) as unknown as Record<string, unknown>[];
    this.#send({ type: 'metrics', id, metrics });
  }

  #build(config: Config): App {
    this.#logger = createLogger({ level: config.log.level, format: config.log.format });
    const log = this.#logger.log.child({ worker: this.slot, pid: process.pid });
    this.#log = log;
    // As in one process: metrics are counted only when the admin API (served by the primary) is on.
    const metrics = config.admin ? new Metrics({ runtime: () => this.#app, gauges: 'data' }) : undefined;
    this.#metrics = metrics;
    const access = new AccessLog(log.child({ component: 'access' }), config.log.access);
    const app = new App({
      log,
      clock: systemClock(),
      random,
      observer: fanout(metrics ? [access, metrics.observer] : [access]),
      health: (pool) =>
        new RemoteHealth(
          pool,
          (r) => this.#send({ type: 'passive', ...r }),
          (id) => this.#app?.pools().get(pool)?.pool.get(id)?.health === 'unhealthy',
        ),
      reusePort: this.reusePort,
    });
    this.#app = app;
    return app;
  }

  async #applyLatest(): Promise<void> {
    const s = this.#latest;
    if (!s || s.version <= this.#applied || this.#stopping) return;
    this.#applied = s.version;
    const app = this.#app ?? this.#build(s.config);
    let summary = NO_CHANGES;
    try {
      if (s.configVersion !== this.#configVersion) {
        summary = await app.apply(s.config);
        this.#configVersion = s.configVersion;
        if (this.#log && this.#logger) this.#log.level = this.#logger.log.level = s.config.log.level;
      }
      applyTargetStates(app.pools(), s.pools);
      this.#send({ type: 'applied', version: s.version, ok: true, summary, stats: collectStats(app) });
    } catch (e) {
      const error = isLbError(e)
        ? { code: e.code, message: e.message }
        : { code: 'LB_ERR_INTERNAL', message: e instanceof Error ? e.message : String(e) };
      this.#send({ type: 'applied', version: s.version, ok: false, error, stats: collectStats(app) });
    }
  }

  /** Stops accepting, lets connections finish for up to `timeoutMs`, then exits 0. */
  drain(timeoutMs: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    const log = this.#log;
    log?.info(`draining connections for up to ${timeoutMs}ms`);
    void this.#queue
      .then(() => this.#app?.shutdown(timeoutMs))
      .then(() => {
        log?.info('stopped');
        this.#logger?.flushSync();
        this.exit(0);
      });
  }

  get drainTimeout(): number {
    return this.#app?.config?.drainTimeout ?? 0;
  }

  get stopping(): boolean {
    return this.#stopping;
  }
}
