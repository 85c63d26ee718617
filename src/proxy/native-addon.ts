import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Opaque handle of one relay thread. */
export type EngineHandle = object & { readonly __engine: unique symbol };

/**
 * Told once per connection, on the JavaScript thread, when the native side stopped relaying it:
 * `firstEnd` 1 = side A (client) sent FIN first, 2 = B; `errSide` 1/2 = that side failed with
 * `errno` (0 = both directions finished cleanly). Counts are of side A.
 */
export type NativeEndFn = (
  handle: number,
  aRead: number,
  aWritten: number,
  firstEnd: number,
  errSide: number,
  errno: number,
) => void;

/** The functions of native/relay.cc (see there). */
export interface RelayAddon {
  create(onEnd: NativeEndFn): EngineHandle;
  /** Starts relaying between two connected descriptors; `head` goes to B before any byte of A. */
  add(engine: EngineHandle, fdA: number, fdB: number, head: Buffer | undefined): number;
  /** Bytes read from + written to A so far, or -1 for an unknown handle. */
  activity(engine: EngineHandle, handle: number): number;
  /** [read from A, written to A], or undefined for an unknown handle. */
  counts(engine: EngineHandle, handle: number): [number, number] | undefined;
  /** Stops relaying and forgets the handle; the descriptors are the caller's again. */
  release(engine: EngineHandle, handle: number): [number, number] | undefined;
  ref(engine: EngineHandle, on: boolean): void;
  close(engine: EngineHandle): void;
  /** Ends the process with _exit(code) after `ms` from a thread of its own (src/core/exit-guard.ts). */
  exitWatchdog?(ms: number, code: number): boolean;
}

/** Where scripts/build-native.mjs puts the addon (from src/proxy or dist/proxy alike). */
export const ADDON_PATH = fileURLToPath(new URL('../../native/build/relay.node', import.meta.url));

/**
 * Loads the native relay if it was built (at install, or by `npm run build`); undefined when it
 * was not (no compiler) or cannot load here, and the balancer relays in JavaScript.
 */
export function loadRelayAddon(path = ADDON_PATH): RelayAddon | undefined {
  if (process.platform !== 'linux' || !existsSync(path)) return undefined;
  try {
    return createRequire(import.meta.url)(path) as RelayAddon;
  } catch {
    return undefined;
  }
}
