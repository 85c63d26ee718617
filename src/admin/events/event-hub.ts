import type { ServerResponse } from 'node:http';
import type { TimerHandle } from '../../core/clock.js';
import type { ReloadResult } from '../../control/reload-result.js';
import type { AdminContext } from '../context.js';
import { statusDocument } from '../routes/status.js';
import type { EventFeed, FeedEvent } from './feed.js';
import { listenerProtocol } from './listener-protocol.js';
import { lastEventId, openStream, sseFrame } from './sse.js';
import { sampleStats, type Sample, type StatsEvent } from './stats.js';

export interface HubOptions {
  /** The stats event's period. */
  readonly intervalMs: number;
  /** Streams open at once; one more is refused (503). */
  readonly maxClients: number;
  /** A client this far behind (bytes queued on its socket) is cut: it reconnects and catches up. */
  readonly maxQueuedBytes: number;
  /** Events kept for the timeline a new page starts with. */
  readonly timeline: number;
}

export const HUB_DEFAULTS: HubOptions = { intervalMs: 1000, maxClients: 64, maxQueuedBytes: 4 << 20, timeline: 300 };

/** A reload as the stream tells it (not a store change: it carries the revision it left the store at). */
export const reloadEvent = (r: ReloadResult, revision: number) => ({
  type: 'reload',
  revision,
  at: Date.parse(r.at),
  ok: r.ok,
  version: r.version,
  source: r.source,
  issues: r.issues,
  cause: r.ok
    ? `reload (${r.source}): config version ${r.version} applied`
    : `reload (${r.source}) refused, version ${r.version} kept: ${r.issues.join('; ')}`,
});

/**
 * GET /api/events: every open stream gets each change of the feed as it happens (id = the feed's
 * revision), reloads, and a `stats` event every interval while at least one stream is open (no
 * stream, no cost). A new stream starts with a `snapshot`; a reconnecting one (Last-Event-ID)
 * gets the changes it missed, or a snapshot when they are no longer held.
 */
export class EventHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #timeline: unknown[] = [];
  readonly #unsubscribe: () => void;
  #timer: TimerHandle | undefined;
  #sample: Sample | undefined;
  /** The sample before #sample: rates for a stream that joins just after a tick. */
  #older: Sample | undefined;
  #lastReload: ReloadResult | undefined;
  #stopped = false;
  /** A stream joined: the next stats event carries every target, not only those that moved. */
  #fullNext = false;

  constructor(
    private readonly ctx: AdminContext,
    private readonly feed: EventFeed,
    private readonly opts: HubOptions = HUB_DEFAULTS,
  ) {
    this.#lastReload = ctx.reloader?.last;
    this.#unsubscribe = feed.subscribe((events) => this.#onEvents(events));
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Full state: what a page draws before any change (status, workers, recent timeline, figures). */
  snapshot() {
    const { ctx } = this;
    const protocols = Object.fromEntries(
      [...ctx.app.listeners().keys()].map((n) => [n, listenerProtocol(ctx.app.config, n)]),
    );
    return {
      revision: this.feed.revision,
      protocols,
      status: statusDocument(ctx),
      timeline: this.#timeline,
      stats: this.#statsNow(),
    };
  }

  /**
   * The figures now, every target in them: a stream starts with them, so that its first paint
   * shows the open connections and rates without waiting up to a period for the next `stats`.
   * The rates are over the last period (a sample taken a moment ago would make them noise), 0 when
   * no stream was open before.
   */
  #statsNow(): StatsEvent {
    const now = this.ctx.clock.now();
    const prev = [this.#sample, this.#older].find((s) => s && now - s.at >= this.opts.intervalMs / 4);
    return sampleStats(this.ctx.app, now, prev && { ...prev, sent: new Map() }).event;
  }

  /** Takes over a response as an event stream; false when too many are open. */
  async attach(res: ServerResponse, lastEventIdHeader: string | string[] | undefined): Promise<boolean> {
    if (this.#stopped || this.#clients.size >= this.opts.maxClients) return false;
    openStream(res, 2000);
    const since = lastEventId(lastEventIdHeader);
    await this.ctx.refresh?.();
    if (this.#stopped) {
      res.end();
      return true;
    }
    // From here on synchronous up to joining the clients: no change can fall in between.
    const missed = since === undefined ? undefined : this.feed.eventsSince(since);
    if (missed) {
      for (const e of missed) res.write(sseFrame(e.type, e, e.revision));
      // Caught up from Last-Event-ID: the figures moved meanwhile too.
      res.write(sseFrame('stats', this.#statsNow(), this.feed.revision));
    } else res.write(sseFrame('snapshot', this.snapshot(), this.feed.revision));
    this.#clients.add(res);
    this.#fullNext = true;
    res.once('close', () => this.#clients.delete(res));
    this.#schedule();
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    if (this.#timer) this.ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    await Promise.resolve();
  }

  #remember(e: unknown): void {
    this.#timeline.push(e);
    if (this.#timeline.length > this.opts.timeline)
      this.#timeline.splice(0, this.#timeline.length - this.opts.timeline);
  }

  #onEvents(events: readonly FeedEvent[]): void {
    for (const e of events) {
      this.#remember(e);
      this.#broadcast(sseFrame(e.type, e, e.revision));
    }
  }

  #broadcast(frame: string): void {
    for (const res of this.#clients) {
      if (res.writableLength > this.opts.maxQueuedBytes) {
        res.destroy(); // too slow to follow: it reconnects with Last-Event-ID and catches up
        continue;
      }
      res.write(frame);
    }
  }

  #schedule(): void {
    if (this.#timer || this.#stopped || this.#clients.size === 0) return;
    this.#timer = this.ctx.clock.setTimeout(() => {
      void this.#tick().finally(() => {
        this.#timer = undefined;
        this.#schedule();
      });
    }, this.opts.intervalMs);
  }

  async #tick(): Promise<void> {
    if (this.#clients.size === 0) {
      this.#sample = this.#older = undefined; // rates start again with the next stream
      return;
    }
    await this.ctx.refresh?.();
    const last = this.ctx.reloader?.last;
    if (last && last !== this.#lastReload) {
      this.#lastReload = last;
      const e = reloadEvent(last, this.feed.revision);
      this.#remember(e);
      this.#broadcast(sseFrame('reload', e, this.feed.revision));
    }
    if (this.#fullNext && this.#sample) this.#sample = { ...this.#sample, sent: new Map() };
    this.#fullNext = false;
    const { event, sample } = sampleStats(this.ctx.app, this.ctx.clock.now(), this.#sample);
    this.#older = this.#sample;
    this.#sample = sample;
    this.#broadcast(sseFrame('stats', event, this.feed.revision));
  }
}
