import type { StoreEvent } from './types.js';

/**
 * The last `capacity` events, so that a client that was away (an SSE reconnect with
 * Last-Event-ID) catches up with what it missed, or learns it must read a full snapshot.
 */
export class EventRing {
  readonly #buf: (StoreEvent | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('event ring capacity must be >= 1');
    this.#buf = new Array<StoreEvent | undefined>(capacity);
  }

  push(e: StoreEvent): void {
    this.#buf[this.#next] = e;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  /**
   * Events after `revision` (exclusive), oldest first; undefined when some of them are no longer
   * held, or when `revision` is ahead of `current` (a client of an earlier process).
   */
  since(revision: number, current: number): StoreEvent[] | undefined {
    if (!Number.isInteger(revision) || revision < 0 || revision > current) return undefined;
    if (revision === current) return [];
    const out: StoreEvent[] = [];
    for (let i = 0; i < this.#size; i++) {
      const e = this.#buf[(this.#next - this.#size + i + this.capacity) % this.capacity]!;
      if (e.revision > revision) out.push(e);
    }
    // Revisions are consecutive: the oldest one we return must follow `revision` directly.
    return out[0]?.revision === revision + 1 ? out : undefined;
  }
}
