import { Registry } from 'prom-client';
import type { HealthSink } from '../health/health-checker.js';
import type { ListenerObserver } from '../listener/listener.js';
import type { ReloadResult } from '../control/reload-result.js';
import { openBytes } from '../listener/open-bytes.js';
import { createCatalog, type Catalog } from './catalog.js';
import { byteCounters, publishBytes, type ByteCounters } from './live-bytes.js';
import { registerProcessMetrics } from './process-metrics.js';
import { publishUdp, withUdpBytes } from './udp-metrics.js';
import { refreshRuntimeGauges, type GaugeScope, type RuntimeSource } from './runtime-gauges.js';
import { healthObserver, trafficObserver } from './traffic-observer.js';

export interface MetricsOptions {
  /** The runtime whose state gauges read at scrape time (the App, once built). */
  readonly runtime: () => RuntimeSource | undefined;
  /** Standard process_* and nodejs_* metrics (default true). */
  readonly processMetrics?: boolean;
  /** The runtime gauges this registry exports (default all; see GaugeScope for a cluster). */
  readonly gauges?: GaugeScope;
}

/**
 * The Prometheus metrics of one App, on a registry of its own (never prom-client's global one),
 * so that several Apps can live in one process and each cluster worker can expose its registry
 * to an aggregator.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly catalog: Catalog;
  readonly observer: ListenerObserver;
  readonly healthObserver: (pool: string) => HealthSink;
  readonly #bytes: ByteCounters;

  constructor(private readonly opts: MetricsOptions) {
    this.catalog = createCatalog(this.registry);
    this.#bytes = byteCounters(this.catalog);
    this.observer = trafficObserver(this.catalog, this.#bytes);
    this.healthObserver = healthObserver(this.catalog);
    if (opts.processMetrics ?? true) registerProcessMetrics(this.registry);
  }

  recordReload(r: ReloadResult): void {
    this.catalog.reloads.inc({ source: r.source, result: r.ok ? 'success' : 'failure' });
    this.catalog.lastReloadSuccessful.set(r.ok ? 1 : 0);
    this.catalog.lastReloadTimestamp.set(Date.parse(r.at) / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition, with runtime state read just before. */
  async text(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  /**
   * Reads the runtime state into the registry: the gauges, and the byte counters with the bytes
   * of open connections. Call it before reading the registry any other way (aggregation).
   */
  refresh(): void {
    const rt = this.opts.runtime();
    if (rt) refreshRuntimeGauges(this.catalog, rt, this.opts.gauges);
    // A cluster primary ('control') relays no bytes: its workers publish theirs.
    if (this.opts.gauges === 'control') return;
    publishBytes(this.#bytes, withUdpBytes(openBytes(rt ? rt.listeners().values() : []), rt?.udp));
    if (rt?.udp) publishUdp(this.catalog, rt.udp);
  }
}
