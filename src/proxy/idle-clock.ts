/**
 * When a connection last moved a byte, read on the listener's coarse sweep rather than on every
 * read and write (no timer per connection, nothing on the hot path): a byte count that changed
 * since the last sweep means it moved, one that did not means it has been idle since then.
 * Shared by the Node relay's sessions and the native relay's.
 */
export class IdleClock {
  #seenBytes = -1;
  #since = 0;

  /** Takes the byte count (both directions) at `now`; true once idle for `timeoutMs` (0: never). */
  idleFor(bytes: number, now: number, timeoutMs: number): boolean {
    if (bytes !== this.#seenBytes) {
      this.#seenBytes = bytes;
      this.#since = now;
      return false;
    }
    return timeoutMs > 0 && now - this.#since >= timeoutMs;
  }

  /** When it last moved a byte, as of the last sweep (0: never swept). */
  get since(): number {
    return this.#since;
  }
}
