import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import type { SavedState } from './saved-state.js';
import { writeFileAtomic } from './atomic-write.js';

export interface StateWriterDeps {
  readonly path: string;
  /** The state to write, read when the write happens (so that a burst of changes writes once). */
  readonly capture: () => SavedState;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long changes gather before one write (default 200 ms). */
  readonly delayMs?: number;
  readonly write?: (path: string, data: string) => Promise<void>;
}

/**
 * Writes the state file on every change, coalesced: changes within `delayMs` and changes during a
 * write make one more write, never a queue of them. flush() writes now (shutdown).
 */
export class StateWriter {
  #timer: TimerHandle | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #failing = false;
  writes = 0;

  constructor(private readonly deps: StateWriterDeps) {}

  /** Something changed: write soon. */
  changed(): void {
    this.#dirty = true;
    if (this.#timer || this.#writing) return;
    this.#timer = this.deps.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, this.deps.delayMs ?? 200);
  }

  /** Writes what is pending (or the current state when `always`) and resolves when it is on disk. */
  async flush(always = true): Promise<void> {
    if (this.#timer) this.deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (always) this.#dirty = true;
    while (this.#writing) await this.#writing;
    if (this.#dirty) await this.#run();
  }

  /** Cancels a pending write (one in progress completes). */
  stop(): void {
    if (this.#timer) this.deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = false;
  }

  async #run(): Promise<void> {
    if (this.#writing) return this.#writing;
    this.#dirty = false;
    this.#writing = this.#writeOnce().finally(() => (this.#writing = undefined));
    await this.#writing;
    if (this.#dirty) this.changed(); // changes made during the write: one more, after the delay
  }

  async #writeOnce(): Promise<void> {
    const write = this.deps.write ?? writeFileAtomic;
    try {
      await write(this.deps.path, `${JSON.stringify(this.deps.capture(), null, 2)}\n`);
      this.writes++;
      if (this.#failing) this.deps.log.info(`state file ${this.deps.path} written again`);
      this.#failing = false;
    } catch (e) {
      // Serving goes on without it; say so once per failing streak, not on every change.
      if (!this.#failing)
        this.deps.log.warn(
          `state file ${this.deps.path} not written: ${e instanceof Error ? e.message : String(e)} (retried at the next change)`,
        );
      this.#failing = true;
    }
  }
}
