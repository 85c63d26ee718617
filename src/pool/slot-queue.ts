import type { Clock, TimerHandle } from '../core/clock.js';

/** HAProxy's `maxqueue` and `timeout queue`, per pool. */
export interface QueueSettings {
  /** Connections that may wait at once; 0 disables waiting (fail fast). */
  readonly maxQueue: number;
  readonly timeoutMs: number;
}

/** A connection waiting for a target slot. */
export interface Waiter {
  /** Tries to take a slot now; true when it did (it has then left the queue). */
  readonly retry: () => boolean;
  /** Waited longer than the queue timeout (it has left the queue). */
  readonly onTimeout: () => void;
}

export interface QueueTicket {
  /** Leaves the queue (the client went away); harmless once it has left. */
  cancel(): void;
}

interface Entry {
  readonly waiter: Waiter;
  timer: TimerHandle | undefined;
}

/**
 * The FIFO of connections waiting for a free slot on a pool's targets (all at their
 * maxConnections). Bounded in length and in time; no sockets: a freed slot is offered with
 * dispatch(), the waiter itself retries its pick. Timers come from an injected Clock.
 */
export class SlotQueue {
  // A Set keeps insertion order and deletes in O(1) (a client leaving from the middle).
  readonly #entries = new Set<Entry>();
  #dispatching = false;

  constructor(
    private readonly clock: Clock,
    public settings: QueueSettings,
  ) {}

  get length(): number {
    return this.#entries.size;
  }

  /** Adds a waiter at the back; undefined when the queue is full. */
  enqueue(waiter: Waiter): QueueTicket | undefined {
    if (this.#entries.size >= this.settings.maxQueue) return undefined;
    const e: Entry = { waiter, timer: undefined };
    e.timer = this.clock.setTimeout(() => {
      if (!this.#leave(e)) return;
      waiter.onTimeout();
    }, this.settings.timeoutMs);
    this.#entries.add(e);
    return { cancel: () => void this.#leave(e) };
  }

  /**
   * Slots may have freed: offers them to the waiters in arrival order while `hasRoom()` says
   * there is one. A waiter that cannot use it (it may only retry other targets) keeps its place.
   */
  dispatch(hasRoom: () => boolean): void {
    if (this.#dispatching) return; // a retry that releases a slot re-enters: the loop goes on
    this.#dispatching = true;
    try {
      for (const e of this.#entries) {
        if (!hasRoom()) break;
        if (this.#entries.has(e) && e.waiter.retry()) this.#leave(e);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  #leave(e: Entry): boolean {
    if (!this.#entries.delete(e)) return false;
    if (e.timer) this.clock.clearTimeout(e.timer);
    return true;
  }
}
