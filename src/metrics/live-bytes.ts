import type { Counter } from 'prom-client';
import type { ByteCount, OpenBytes } from '../listener/open-bytes.js';
import type { Catalog } from './catalog.js';

interface Entry<L> {
  readonly labels: L;
  readonly closed: ByteCount;
  readonly reported: ByteCount;
}

/**
 * The received/sent byte counters of one family (listener, pool or target), moving while
 * connections are open: bytes of closed connections (added at their end) plus bytes of open ones
 * (read at scrape time). A counter is never reported lower than before: the open connections of a
 * listener that drains after a reload cannot be read until they close, and a counter that went
 * back would read as a process restart.
 */
export class LiveBytes<N extends string> {
  readonly #entries = new Map<string, Entry<Record<N, string>>>();

  constructor(
    private readonly received: Counter<N>,
    private readonly sent: Counter<N>,
  ) {}

  #entry(labels: Record<N, string>): Entry<Record<N, string>> {
    const key = JSON.stringify(labels);
    let e = this.#entries.get(key);
    if (!e) {
      e = { labels, closed: { fromClient: 0, toClient: 0 }, reported: { fromClient: 0, toClient: 0 } };
      this.#entries.set(key, e);
    }
    return e;
  }

  addClosed(labels: Record<N, string>, fromClient: number, toClient: number): void {
    const e = this.#entry(labels);
    e.closed.fromClient += fromClient;
    e.closed.toClient += toClient;
  }

  /** Sets the counters to closed + open bytes (`open`: the label sets with open connections). */
  publish(open: Iterable<readonly [Record<N, string>, ByteCount]>): void {
    const now = new Map<Entry<Record<N, string>>, ByteCount>();
    for (const [labels, b] of open) now.set(this.#entry(labels), b);
    this.received.reset();
    this.sent.reset();
    for (const e of this.#entries.values()) {
      const o = now.get(e) ?? { fromClient: 0, toClient: 0 };
      e.reported.fromClient = Math.max(e.reported.fromClient, e.closed.fromClient + o.fromClient);
      e.reported.toClient = Math.max(e.reported.toClient, e.closed.toClient + o.toClient);
      this.received.inc(e.labels, e.reported.fromClient);
      this.sent.inc(e.labels, e.reported.toClient);
    }
  }
}

export interface ByteCounters {
  readonly listener: LiveBytes<'listener'>;
  readonly pool: LiveBytes<'pool'>;
  readonly target: LiveBytes<'pool' | 'target'>;
}

export const byteCounters = (c: Catalog): ByteCounters => ({
  listener: new LiveBytes(c.listenerReceived, c.listenerSent),
  pool: new LiveBytes(c.poolReceived, c.poolSent),
  target: new LiveBytes(c.targetReceived, c.targetSent),
});

/** Publishes every byte counter with the bytes of the connections open now. */
export function publishBytes(b: ByteCounters, open: OpenBytes): void {
  b.listener.publish([...open.listeners].map(([listener, n]) => [{ listener }, n] as const));
  b.pool.publish([...open.pools].map(([pool, n]) => [{ pool }, n] as const));
  b.target.publish(
    [...open.targets].flatMap(([pool, targets]) => [...targets].map(([target, n]) => [{ pool, target }, n] as const)),
  );
}
