import type { Snapshot, ToPrimary } from '../cluster/messages.js';

// How the control plane feeds its data planes: the same messages in one process and over IPC.

/** A versioned update of the data plane: the config (applied when its version moved) and every pool's targets. */
export type PlaneUpdate = Snapshot;

type Applied = Extract<ToPrimary, { type: 'applied' }>;

/** What a data plane answers once it applied an update (or failed to). */
export type PlaneAck = Omit<Applied, 'v' | 'type'> & {
  /** The error itself, when the data plane runs in this process (its code and message otherwise). */
  readonly thrown?: unknown;
};

/** What became of one data plane after an update: it applied it (or failed to), or it was gone. */
export type AckResult = { readonly slot: number } & (
  { readonly gone: true } | ({ readonly gone: false } & Pick<PlaneAck, 'ok' | 'summary' | 'error' | 'stats' | 'thrown'>)
);

/** The data planes of a control plane: one in this process (LocalLink), or cluster workers (Supervisor). */
export interface DataPlaneLink {
  /** Target changes go out on the next tick, those of one tick together (each costs an IPC message). */
  readonly coalesce: boolean;
  /** Starts the data planes (a worker asks for the current update when it is up). */
  start(): void;
  /** From now on a data plane that dies is restarted (before, a death fails the startup). */
  keepAlive(): void;
  broadcast(update: PlaneUpdate): void;
  /** Waits until every data plane applied `version` (or a later one), failed, or went away. */
  awaitApplied(version: number, timeoutMs: number): Promise<AckResult[]>;
}

/** What a LocalLink feeds: the data plane of this process (src/plane/data-plane.ts). */
export interface UpdateSink {
  receive(update: PlaneUpdate): void;
}

/**
 * The data plane of this process as the control plane's one data plane: updates are handed over
 * in a call (a target change reaches the pools before the caller goes on, as an admin answer
 * needs), acks come back from the data plane's `onApplied`.
 */
export class LocalLink implements DataPlaneLink {
  readonly coalesce = false;
  #plane: UpdateSink | undefined;
  #last: PlaneAck | undefined;
  readonly #waiters = new Set<{ readonly version: number; readonly done: (r: AckResult) => void }>();

  attach(plane: UpdateSink): void {
    this.#plane = plane;
  }

  start(): void {
    // nothing to start: the data plane is here
  }

  keepAlive(): void {
    // nothing to restart
  }

  broadcast(update: PlaneUpdate): void {
    this.#plane?.receive(update);
  }

  /** The data plane's answer: wakes the waiters of this version and older ones. */
  applied(ack: PlaneAck): void {
    this.#last = ack;
    for (const w of this.#waiters) if (ack.version >= w.version) w.done(resultOf(ack));
  }

  /** The data plane stopped: nobody waits for it any more. */
  gone(): void {
    for (const w of this.#waiters) w.done({ slot: 1, gone: true });
  }

  awaitApplied(version: number): Promise<AckResult[]> {
    if (this.#last && this.#last.version >= version) return Promise.resolve([resultOf(this.#last)]);
    return new Promise((resolve) => {
      const w = {
        version,
        done: (r: AckResult) => {
          this.#waiters.delete(w);
          resolve([r]);
        },
      };
      this.#waiters.add(w);
    });
  }
}

const resultOf = (a: PlaneAck): AckResult => ({
  slot: 1,
  gone: false,
  ok: a.ok,
  summary: a.summary,
  error: a.error,
  stats: a.stats,
  thrown: a.thrown,
});
