import type { Clock, TimerHandle } from '../core/clock.js';
import { resumeAt, type FdBudget } from './fd-budget.js';

/** Why a listener does not accept for now. */
export type PauseReason =
  /** the listener holds its maxConnections */
  | 'max_connections'
  /** the listeners of the process together hold every connection the descriptor limit allows */
  | 'descriptors'
  /** accept() failed with EMFILE or ENFILE: descriptors ran out before the budget said so */
  | 'emfile';

/** What the guard stops and starts: the listeners of the process. */
export interface Pausable {
  hold(reason: PauseReason): void;
  release(reason: PauseReason): void;
  /** A connection opened or closed in the process: the room left under the budget changed. */
  roomChanged?(): void;
}

/** After accept() failed with EMFILE, accepting is tried again on the next close, or after this. */
export const EMFILE_RETRY_MS = 1000;

/**
 * The descriptor budget of one process, shared by its TCP listeners: counts the client
 * connections open in all of them (each holds two descriptors with its target's), and stops every
 * listener when they reach what the limit allows, until some have closed. Listeners also stop by
 * themselves at their own maxConnections.
 */
export class DescriptorGuard {
  readonly #members = new Set<Pausable>();
  #open = 0;
  #full = false;
  #emfile: TimerHandle | undefined;

  constructor(
    readonly budget: FdBudget,
    private readonly clock: Clock,
  ) {}

  /** Client connections open in every listener of the process. */
  get open(): number {
    return this.#open;
  }

  get full(): boolean {
    return this.#full;
  }

  join(l: Pausable): void {
    this.#members.add(l);
    if (this.#full) l.hold('descriptors');
    if (this.#emfile) l.hold('emfile');
  }

  leave(l: Pausable): void {
    this.#members.delete(l);
  }

  /** A listener accepted a connection. */
  opened(): void {
    this.#open++;
    if (!this.#full && this.#open >= this.budget.connections) {
      this.#full = true;
      for (const m of this.#members) m.hold('descriptors');
    }
    for (const m of this.#members) m.roomChanged?.();
  }

  /** A connection a listener accepted is closed (both its descriptors are free). */
  closed(): void {
    this.#open = Math.max(0, this.#open - 1);
    if (this.#full && this.#open <= resumeAt(this.budget.connections)) {
      this.#full = false;
      for (const m of this.#members) m.release('descriptors');
    }
    for (const m of this.#members) m.roomChanged?.();
    if (this.#emfile) this.#retry();
  }

  /** accept() failed for lack of descriptors: stop every listener until a close, or a second. */
  exhausted(): void {
    if (this.#emfile) return;
    this.#emfile = this.clock.setTimeout(() => this.#retry(), EMFILE_RETRY_MS);
    for (const m of this.#members) m.hold('emfile');
  }

  #retry(): void {
    if (!this.#emfile) return;
    this.clock.clearTimeout(this.#emfile);
    this.#emfile = undefined;
    for (const m of this.#members) m.release('emfile');
  }

  stop(): void {
    if (this.#emfile) this.clock.clearTimeout(this.#emfile);
    this.#emfile = undefined;
    this.#members.clear();
  }
}
