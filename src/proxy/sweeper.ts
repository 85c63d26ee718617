/** Something with deadlines, checked on every tick of a Sweeper. */
export interface Sweepable {
  sweep(now: number): void;
}

/**
 * Coarse timers for many connections: one interval checks every member's connect and idle
 * deadlines, instead of one timer per socket that every read and write must re-arm (the
 * `socket.setTimeout` way). Deadlines fire up to one tick late. The interval runs only while
 * there are members, and never keeps the process alive.
 */
export class Sweeper {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly members: () => ReadonlySet<Sweepable>,
    private readonly tickMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Called when a member is added: starts ticking if it was not. */
  wake(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.tickMs);
    this.#timer.unref();
  }

  tick(): void {
    const set = this.members();
    if (set.size === 0) return this.stop();
    const now = this.now();
    for (const m of set) m.sweep(now);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
