import type { Refusal } from '../core/close-reason.js';
import { fullBucket, isFull, take, type Bucket, type BucketSettings } from './token-bucket.js';

export interface ClientLimits {
  /** Concurrent connections per client IP. */
  readonly maxConcurrent?: number | undefined;
  /** New connections per second per client IP. */
  readonly rate?: BucketSettings | undefined;
}

interface Entry {
  active: number;
  bucket: Bucket | undefined;
}

/** Entries examined per admission for eviction: more than one is added, so idle ones never pile up. */
const SWEEP_STEPS = 2;

/**
 * Per-client-IP counters of one listener: open connections and a token bucket. Memory stays
 * bounded under a scan of many sources: an entry that is idle (no open connection, bucket full)
 * behaves exactly like a missing one, so it is dropped on release, and every admission sweeps
 * two entries from the oldest end (dropping idle ones, rotating busy ones to the back). The table
 * thus holds about twice the clients that are busy or recently limited, and never more than
 * `maxEntries` (beyond that the oldest entry is forgotten: a small leak in the limits, not in memory).
 * Time is passed in (`now`), so tests drive it without sleeping. Kept across reloads by the App.
 */
export class ClientTable {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly maxEntries = 100_000) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Open connections counted for `ip`. */
  active(ip: string): number {
    return this.#entries.get(ip)?.active ?? 0;
  }

  /** Counts a new connection from `ip`, or says why it is refused (then nothing is counted). */
  admit(ip: string, limits: ClientLimits, now: number): Refusal | undefined {
    this.#sweep(limits, now);
    let e = this.#entries.get(ip);
    if (!e) {
      if (this.#entries.size >= this.maxEntries) this.#evictOldest();
      e = { active: 0, bucket: limits.rate ? fullBucket(limits.rate, now) : undefined };
      this.#entries.set(ip, e);
    }
    const max = limits.maxConcurrent;
    if (max !== undefined && e.active >= max)
      return { reason: 'rate_limited', detail: `${ip} already has ${e.active} connections (max ${max})` };
    if (limits.rate) {
      e.bucket ??= fullBucket(limits.rate, now);
      if (!take(e.bucket, limits.rate, now))
        return { reason: 'rate_limited', detail: `${ip} exceeds ${limits.rate.perSecond} connections/s` };
    }
    e.active++;
    return undefined;
  }

  /** An admitted connection from `ip` closed. */
  release(ip: string, limits: ClientLimits, now: number): void {
    const e = this.#entries.get(ip);
    if (!e) return; // forgotten under pressure
    if (e.active > 0) e.active--;
    if (this.#idle(e, limits, now)) this.#entries.delete(ip);
  }

  #idle(e: Entry, limits: ClientLimits, now: number): boolean {
    return e.active === 0 && (!e.bucket || !limits.rate || isFull(e.bucket, limits.rate, now));
  }

  #sweep(limits: ClientLimits, now: number): void {
    for (let i = 0; i < SWEEP_STEPS; i++) {
      const first = this.#entries.entries().next();
      if (first.done) return;
      const [ip, e] = first.value;
      this.#entries.delete(ip);
      if (!this.#idle(e, limits, now)) this.#entries.set(ip, e); // busy: to the back
    }
  }

  #evictOldest(): void {
    const first = this.#entries.keys().next();
    if (!first.done) this.#entries.delete(first.value);
  }
}
