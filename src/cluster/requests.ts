import type { Clock, TimerHandle } from '../core/clock.js';

interface Pending<T> {
  readonly from: number;
  readonly resolve: (v: T | undefined) => void;
  readonly timer: TimerHandle;
}

/**
 * Requests to workers awaiting their answer by id: an answer that does not come in time, or
 * from a worker that exits first, resolves to undefined (a stats read skips that worker).
 */
export class PendingRequests<T> {
  #next = 1;
  readonly #pending = new Map<number, Pending<T>>();

  constructor(private readonly clock: Clock) {}

  /** Registers a request to worker `from`; returns its id and the answer to come. */
  open(from: number, timeoutMs: number): { id: number; answer: Promise<T | undefined> } {
    const id = this.#next++;
    const answer = new Promise<T | undefined>((resolve) => {
      const timer = this.clock.setTimeout(() => this.#settle(id, undefined), timeoutMs);
      this.#pending.set(id, { from, resolve, timer });
    });
    return { id, answer };
  }

  /** An answer arrived (ignored when late or unknown). */
  answer(id: number, value: T): void {
    this.#settle(id, value);
  }

  /** Worker `from` is gone: its open requests get no answer. */
  abandon(from: number): void {
    for (const [id, p] of this.#pending) if (p.from === from) this.#settle(id, undefined);
  }

  #settle(id: number, value: T | undefined): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    this.clock.clearTimeout(p.timer);
    p.resolve(value);
  }
}
