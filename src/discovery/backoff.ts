// Retry delays of a failing source: exponential with a cap and jitter (so that a fleet of nodes
// does not retry in step). Pure: the random source is injected.

export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Fraction of the delay added or removed at random (0..1). */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class Backoff {
  #attempt = 0;
  readonly #s: BackoffSettings;
  readonly #random: () => number;

  constructor(settings: Partial<BackoffSettings> = {}, random: () => number = Math.random) {
    this.#s = { ...DEFAULT_BACKOFF, ...settings };
    this.#random = random;
  }

  /** The delay before the next retry; each call grows it up to maxMs. */
  next(): number {
    const base = Math.min(this.#s.maxMs, this.#s.initialMs * this.#s.factor ** this.#attempt);
    this.#attempt++;
    const spread = base * this.#s.jitter * (2 * this.#random() - 1);
    return Math.max(1, Math.round(Math.min(this.#s.maxMs, base + spread)));
  }

  /** After a success: the next failure starts from initialMs again. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
