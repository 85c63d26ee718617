// Whether a source answers (pure): `starting` until its first answer, `ok` while it answers,
// `stale` from its first failure until it answers again. Only a change of state is reported, so
// that a source failing every second is logged once, not every second.

export type SourceState = 'starting' | 'ok' | 'stale';

export interface SourceStatus {
  readonly pool: string;
  readonly source: string;
  readonly state: SourceState;
  readonly targets: number;
  /** The last error (while stale, and kept after recovery for the record). */
  readonly error?: string;
  /** Since when it is stale (epoch ms), and how long that is (ms). */
  readonly staleSince?: number;
  readonly staleForMs?: number;
  /** The last answer (epoch ms), and its age (ms): how old the targets in force are. */
  readonly lastSuccessAt?: number;
  readonly ageMs?: number;
  readonly failures: number;
  readonly revision?: number;
}

export type Transition =
  { readonly to: 'ok'; readonly after: SourceState } | { readonly to: 'stale'; readonly error: string };

export class SourceHealth {
  #state: SourceState = 'starting';
  #error: string | undefined;
  #staleSince: number | undefined;
  #lastSuccessAt: number | undefined;
  #failures = 0;
  #targets = 0;
  #revision: number | undefined;

  constructor(
    readonly pool: string,
    readonly source: string,
  ) {}

  get state(): SourceState {
    return this.#state;
  }

  /** An answer: returns the transition to ok when it was not ok. */
  succeeded(now: number, targets: number, revision?: number): Transition | undefined {
    const before = this.#state;
    this.#state = 'ok';
    this.#staleSince = undefined;
    this.#lastSuccessAt = now;
    this.#targets = targets;
    if (revision !== undefined) this.#revision = revision;
    return before === 'ok' ? undefined : { to: 'ok', after: before };
  }

  /** A failure: returns the transition to stale when it was not stale already. */
  failed(now: number, error: string): Transition | undefined {
    this.#failures++;
    this.#error = error;
    if (this.#state === 'stale') return undefined;
    this.#state = 'stale';
    this.#staleSince = now;
    return { to: 'stale', error };
  }

  status(now: number): SourceStatus {
    return {
      pool: this.pool,
      source: this.source,
      state: this.#state,
      targets: this.#targets,
      failures: this.#failures,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      ...(this.#staleSince !== undefined ? { staleSince: this.#staleSince, staleForMs: now - this.#staleSince } : {}),
      ...(this.#lastSuccessAt !== undefined
        ? { lastSuccessAt: this.#lastSuccessAt, ageMs: now - this.#lastSuccessAt }
        : {}),
      ...(this.#revision !== undefined ? { revision: this.#revision } : {}),
    };
  }
}
