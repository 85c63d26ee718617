import { loadRelayAddon } from '../proxy/native-addon.js';

/** How long the exit itself may take once 'exit' is emitted: the log flush gives up after 2 s. */
export const EXIT_GRACE_MS = 3000;

/** Ends the process with `code` after `ms` from a thread of its own; false when it cannot. */
export type Watchdog = (ms: number, code: number) => boolean;

/** The native addon's watchdog thread, when the addon is built (native/relay.cc exitWatchdog). */
export function nativeWatchdog(): Watchdog | undefined {
  const { addon } = loadRelayAddon();
  return addon?.exitWatchdog ? (ms, code) => addon.exitWatchdog!(ms, code) : undefined;
}

/** A drain past its own deadline (drainTimeout) is cut short this much later. */
export const DRAIN_SLACK_MS = 5000;

/**
 * Ends the process with `code` within `ms` (a timer), or `ms` + EXIT_GRACE_MS from the watchdog
 * thread if its main thread never runs JavaScript again.
 */
export function exitWithin(ms: number, code: number, watchdog: Watchdog | undefined = nativeWatchdog()): void {
  setTimeout(() => process.exit(code), ms).unref();
  watchdog?.(ms + EXIT_GRACE_MS, code);
}

export interface ExitGuard {
  /**
   * A shutdown has begun (a signal, the primary gone): the process exits with `code` within
   * `ms` + EXIT_GRACE_MS whatever happens, even if its main thread never runs JavaScript again.
   */
  deadline(ms: number, code: number): void;
}

/**
 * Bounds every way the process ends. Node's exit waits for the libuv thread pool; a pool thread
 * blocked in a write to a stdout nobody reads (a stopped or stuck reader) then holds the process
 * for good, its main thread in a futex wait where no signal handler runs. A timer cannot help
 * there, a thread of its own can: once 'exit' is emitted (process.exit and fatal exceptions
 * alike), the native watchdog ends the process EXIT_GRACE_MS later. Without the addon (relay
 * built nowhere), only the deadline's timer remains, which bounds what JavaScript still runs.
 */
export function installExitGuard(watchdog: Watchdog | undefined = nativeWatchdog()): ExitGuard {
  let armed = false;
  // First among the 'exit' listeners: pino's own flush runs after it.
  process.prependListener('exit', (code: number | string | null | undefined) => {
    if (armed) return;
    armed = true;
    watchdog?.(EXIT_GRACE_MS, typeof code === 'number' ? code : 1);
  });
  return {
    deadline: (ms, code) => exitWithin(ms, code, watchdog),
  };
}
