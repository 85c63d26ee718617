import type { Etcd3 } from 'etcd3';
import type { Clock } from '../core/clock.js';
import type { TargetSpec } from '../core/types.js';
import type { Config, DiscoveryConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { DiscoveryMetrics } from './discovery-metrics.js';
import { DnsSource } from './dns-source.js';
import { EtcdSource } from './etcd-source.js';
import { SourceHealth, type SourceStatus } from './source-health.js';
import type { DiscoverySource, DiscoveryUpdate } from './types.js';

/** Where discovered targets go: a layer of the target store per source (src/store/). */
export interface SourceSink {
  setSourceTargets(pool: string, source: string, specs: readonly TargetSpec[], cause: string): void;
}

export interface DiscoveryDeps {
  readonly sink: SourceSink;
  readonly clock: Clock;
  readonly log: Logger;
  /** The shared etcd client; called only when a pool discovers from etcd. */
  readonly etcd: () => Etcd3;
  readonly metrics?: DiscoveryMetrics | undefined;
}

interface Running {
  readonly source: DiscoverySource;
  readonly health: SourceHealth;
  readonly key: string;
}

/**
 * Runs the discovery sources of every pool and feeds what they find to the target store. A
 * source that fails keeps its last targets (the store's layer is left as it was): stale, logged
 * once, counted, retried with backoff by the source.
 */
export class Discovery {
  readonly #deps: DiscoveryDeps;
  readonly #running = new Map<string, Running>();

  constructor(deps: DiscoveryDeps) {
    this.#deps = deps;
  }

  /** Starts, keeps or stops sources to match `config` (at start and at every reload). */
  async apply(config: Config): Promise<void> {
    const wanted = new Map<string, () => DiscoverySource>();
    for (const [pool, p] of Object.entries(config.pools))
      for (const [key, make] of this.#sourcesOf(pool, p.discovery)) wanted.set(`${pool}\0${key}`, make);
    const stopping: Promise<void>[] = [];
    for (const [id, r] of this.#running)
      if (!wanted.has(id)) {
        this.#running.delete(id);
        stopping.push(r.source.stop());
        this.#deps.sink.setSourceTargets(
          r.source.pool,
          r.source.name,
          [],
          `discovery ${r.source.name} removed by a reload`,
        );
        this.#deps.metrics?.stale.remove({ pool: r.source.pool, source: r.source.name });
        this.#deps.metrics?.targets.remove({ pool: r.source.pool, source: r.source.name });
      }
    await Promise.all(stopping);
    for (const [id, make] of wanted) {
      if (this.#running.has(id)) continue;
      const source = make();
      const r: Running = { source, health: new SourceHealth(source.pool, source.name), key: id };
      this.#running.set(id, r);
      source.start((u) => this.#update(r, u));
    }
  }

  status(): SourceStatus[] {
    const now = this.#deps.clock.now();
    return [...this.#running.values()].map((r) => r.health.status(now));
  }

  async stop(): Promise<void> {
    const all = [...this.#running.values()];
    this.#running.clear();
    await Promise.all(all.map((r) => r.source.stop()));
  }

  /** One entry per source: the key says what it is, so that a changed setting makes a new source. */
  #sourcesOf(pool: string, d: DiscoveryConfig | undefined): [string, () => DiscoverySource][] {
    const out: [string, () => DiscoverySource][] = [];
    const { clock, log } = this.#deps;
    if (d?.etcd) {
      const prefix = d.etcd.prefix;
      out.push([
        `etcd ${prefix}`,
        () =>
          new EtcdSource(pool, prefix, this.#deps.etcd(), clock, (bad) =>
            log.warn({ pool, key: bad.key }, `discovery: skipped ${bad.message}`),
          ),
      ]);
    }
    if (d?.dns) {
      const dns = d.dns;
      out.push([
        `dns ${JSON.stringify(dns)}`,
        () =>
          new DnsSource(
            pool,
            { name: dns.name, type: dns.type, resolvers: dns.resolvers, intervalMs: dns.interval, port: dns.port },
            clock,
          ),
      ]);
    }
    return out;
  }

  #update(r: Running, u: DiscoveryUpdate): void {
    if (this.#running.get(r.key) !== r) return; // stopped meanwhile
    const { pool, name } = r.source;
    const labels = { pool, source: name };
    const now = this.#deps.clock.now();
    const m = this.#deps.metrics;
    if (u.type === 'error') {
      m?.errors.inc(labels);
      m?.stale.set(labels, 1);
      const t = r.health.failed(now, u.error.message);
      if (t)
        this.#deps.log.warn(
          { pool, source: name, code: 'LB_ERR_DISCOVERY' },
          `discovery ${name} of pool ${pool} is stale, its last targets stay: ${u.error.message}`,
        );
      return;
    }
    m?.updates.inc(labels);
    m?.stale.set(labels, 0);
    m?.targets.set(labels, u.targets.length);
    m?.lastSuccess.set(labels, now / 1000);
    const t = r.health.succeeded(now, u.targets.length, u.revision);
    if (t?.to === 'ok' && t.after === 'stale')
      this.#deps.log.info(
        { pool, source: name },
        `discovery ${name} of pool ${pool} answers again (${u.targets.length} targets)`,
      );
    this.#deps.sink.setSourceTargets(pool, name, u.targets, `discovery ${u.cause}`);
  }
}
