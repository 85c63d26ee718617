/** Why a process stops: a signal, or a cause of its own (an upgrade's retire, its parent gone). */
export type StopCause = NodeJS.Signals | 'retire' | 'disconnect';

export interface StopHandlers {
  /** The first SIGTERM or SIGINT (or cause): drain, then exit. */
  readonly stop: (cause: StopCause) => void;
  /** A second one while draining: exit now. */
  readonly again: (cause: StopCause) => void;
  /** SIGHUP (not while stopping); without it a hangup is ignored, never fatal. */
  readonly hangup?: () => void;
}

/**
 * The signal handling of every process of the program, the primary (or single process) and each
 * cluster worker alike: SIGTERM and SIGINT drain, a second one ends the process at once (a
 * terminal's Ctrl-C reaches the workers too), SIGHUP reloads where there is something to reload.
 * Returns the same trigger for the causes that are not signals.
 */
export function onStopSignals(h: StopHandlers): (cause: StopCause) => void {
  let stopping = false;
  const trigger = (cause: StopCause): void => {
    if (stopping) return h.again(cause);
    stopping = true;
    h.stop(cause);
  };
  process.on('SIGTERM', trigger);
  process.on('SIGINT', trigger);
  process.on('SIGHUP', () => {
    if (!stopping) h.hangup?.();
  });
  return trigger;
}
