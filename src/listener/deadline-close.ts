// The drain deadline of a shutdown or an upgrade: what is still open is closed spread over a short
// window, the idle connections first, never all in one instant (a reconnect storm on the next
// instance: envoyproxy/envoy#44419). Pure: the Listener runs the schedule on its timers.

/** The window after the deadline: a tenth of the drain, from 200 ms up to 2 s. */
export function closeWindowMs(drainMs: number): number {
  if (!(drainMs > 0) || drainMs === Infinity) return 0; // 0: close at once (documented)
  return Math.round(Math.min(2000, Math.max(200, drainMs / 10)));
}

/** A connection that moved no byte for this long counts as idle (metric label). */
export const IDLE_AFTER_MS = 1000;

export interface Closable {
  /** When it last moved a byte (0: never). */
  readonly idleSince: number;
}

export const isIdle = (c: Closable, now: number): boolean => now - c.idleSince >= IDLE_AFTER_MS;

/** The order of closing: the longest idle first, the most recently active last. */
export function closeOrder<T extends Closable>(open: Iterable<T>): T[] {
  return [...open].sort((a, b) => a.idleSince - b.idleSince);
}

/** How many of `total` are closed by `elapsedMs` into a window of `windowMs`: the first at once. */
export function dueBy(total: number, elapsedMs: number, windowMs: number): number {
  if (windowMs <= 0 || elapsedMs >= windowMs) return total;
  return Math.min(total, Math.floor((total * Math.max(0, elapsedMs)) / windowMs) + 1);
}

/** Resolution of the schedule. */
export const CLOSE_TICK_MS = 20;
