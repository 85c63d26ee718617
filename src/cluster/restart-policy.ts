// When to restart a worker that died. Pure: the supervisor keeps one CrashRecord per worker slot
// and asks here what to do after each exit.

export interface RestartPolicy {
  /** Delay before the first restart after a crash. */
  readonly baseMs: number;
  /** The delay doubles with each crash in a row, up to this. */
  readonly maxMs: number;
  /** A worker that ran this long before dying ends the streak: its restart is quick again. */
  readonly stableMs: number;
  /** This many crashes in a row is a crash loop: logged as an error, restarts keep backing off. */
  readonly loopAfter: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseMs: 100, maxMs: 30_000, stableMs: 10_000, loopAfter: 5 };

export interface CrashRecord {
  /** Crashes in a row, each within `stableMs` of its start. */
  readonly streak: number;
  /** Restarts of this slot since the process started. */
  readonly restarts: number;
}

export const NO_CRASHES: CrashRecord = { streak: 0, restarts: 0 };

export interface RestartDecision {
  readonly record: CrashRecord;
  readonly delayMs: number;
  /** The streak just reached `loopAfter`: say so once, loudly. */
  readonly loopStarted: boolean;
  readonly inLoop: boolean;
}

/** A worker that had run for `uptimeMs` died: when to start the next one. */
export function onCrash(prev: CrashRecord, uptimeMs: number, p: RestartPolicy): RestartDecision {
  const streak = uptimeMs >= p.stableMs ? 1 : prev.streak + 1;
  const delayMs = Math.min(p.maxMs, p.baseMs * 2 ** (streak - 1));
  return {
    record: { streak, restarts: prev.restarts + 1 },
    delayMs,
    loopStarted: streak === p.loopAfter,
    inLoop: streak >= p.loopAfter,
  };
}
