import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { UdpAddon } from '../udp/native-udp.js';

/** Opaque handle of one relay thread. */
export type EngineHandle = object & { readonly __engine: unique symbol };

/**
 * Events of one wake-up of the relay thread, on the JavaScript thread: EVENT_STRIDE numbers per
 * event (kind first, then the handle; see native/relay.cc CallJs), and two strings per accept
 * (client address, local address or '').
 */
export type NativeEventsFn = (events: Float64Array, strings: string[]) => void;

/** The functions of native/relay.cc (see there), and the UDP fast path of native/udp-reply.cc. */
export interface RelayAddon extends Partial<UdpAddon> {
  create(onEvents: NativeEventsFn): EngineHandle;
  /** Starts relaying between two connected descriptors; `head` goes to B before any byte of A. */
  add(engine: EngineHandle, fdA: number, fdB: number, head: Buffer | undefined): number;
  /** Bytes read from + written to A so far, or -1 for an unknown handle. */
  activity(engine: EngineHandle, handle: number): number;
  /** [read from A, written to A], or undefined for an unknown handle. */
  counts(engine: EngineHandle, handle: number): [number, number] | undefined;
  /** Stops relaying and forgets the handle; the descriptors are the caller's again. */
  release(engine: EngineHandle, handle: number): [number, number] | undefined;
  /**
   * Polls a duplicate of a listening descriptor (the caller may close its own); returns its id. It
   * accepts `until` connections in all at most (acceptUntil).
   */
  listen(engine: EngineHandle, fd: number, fixedLocal: boolean, until: number): number;
  /** Stops polling; returns the descriptor when `keep` (the caller listens on it), else -1 after closing it. */
  unlisten(engine: EngineHandle, id: number, keep: boolean): number;
  /** Keep-alive (seconds, 0 = off) for the sockets accepted from now on. */
  listenKeepAlive(engine: EngineHandle, id: number, seconds: number): void;
  /** While paused, new clients wait in the kernel's backlog. */
  pauseAccept(engine: EngineHandle, id: number, paused: boolean): void;
  /** The listening socket is polled while fewer than `until` connections were accepted on it in all. */
  acceptUntil(engine: EngineHandle, id: number, until: number): void;
  /** Dials for an accepted connection: 0 (an event follows), an errno (failed at once), -1 (unknown). */
  connect(
    engine: EngineHandle,
    handle: number,
    ip: string,
    port: number,
    keepAliveSeconds: number,
    head: Buffer | undefined,
  ): number;
  /** Abandons a connect in progress: false when it already finished (its event is on the way). */
  cancelConnect(engine: EngineHandle, handle: number): boolean;
  /** Closes an accepted connection in any state; its counts, or undefined when unknown. */
  drop(engine: EngineHandle, handle: number, how: number): [number, number] | undefined;
  /** Gives an accepted connection that is not relayed yet to JavaScript: its client descriptor, or -1. */
  detach(engine: EngineHandle, handle: number): number;
  ref(engine: EngineHandle, on: boolean): void;
  close(engine: EngineHandle): void;
  /** Ends the process with _exit(code) after `ms` from a thread of its own (src/core/exit-guard.ts). */
  exitWatchdog?(ms: number, code: number): boolean;
  /** Tests only: makes the relay thread fail as if epoll_wait had returned `errno`. */
  fault(engine: EngineHandle, errno: number): void;
  /** execve(2): replaces the process, same PID (src/cli/node-flags.ts); returns only by throwing. */
  execve?(file: string, argv: string[], env: string[]): void;
  /** dup(2) with close-on-exec: the new descriptor, or -errno (src/listener/accept-gate.ts). */
  dupFd?(fd: number): number;
}

/** Where scripts/build-native.mjs puts the addon (from src/proxy or dist/proxy alike). */
export const ADDON_PATH = fileURLToPath(new URL('../../native/build/relay.node', import.meta.url));

/** What scripts/build-native.mjs wrote about its last attempt (native/build/build-status.json). */
export const BUILD_STATUS_PATH = fileURLToPath(new URL('../../native/build/build-status.json', import.meta.url));

/** The addon, or why there is none and whether one was expected here (a compiler is present). */
export type AddonLoad =
  | { readonly addon: RelayAddon; readonly reason: string }
  | { readonly addon: undefined; readonly reason: string; readonly expected: boolean };

function buildStatus(path: string): string | undefined {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as { message?: unknown };
    return typeof s.message === 'string' ? s.message : undefined;
  } catch {
    return undefined;
  }
}

/** A C++ compiler on PATH (the build would have had one): checked only when the addon is missing. */
export function hasCompiler(env: NodeJS.ProcessEnv = process.env): boolean {
  return [env.CXX, 'g++', 'c++', 'clang++']
    .filter((c): c is string => !!c)
    .some((cxx) => spawnSync(cxx, ['--version'], { stdio: 'ignore', env }).status === 0);
}

/**
 * Loads the native relay if it was built (at install, or by `npm run build`). Without it, says
 * why, and whether it was expected: a load that fails, or a missing build where a compiler is
 * present, is a broken install rather than a machine without a compiler.
 */
export function loadRelayAddon(path = ADDON_PATH, statusPath = BUILD_STATUS_PATH): AddonLoad {
  if (process.platform !== 'linux')
    return { addon: undefined, reason: `not built: ${process.platform} (epoll is Linux-only)`, expected: false };
  if (!existsSync(path)) {
    const why = buildStatus(statusPath) ?? 'the build did not run (npm run build builds it)';
    return { addon: undefined, reason: `not built: ${why}`, expected: hasCompiler() };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as RelayAddon, reason: `loaded ${path}` };
  } catch (e) {
    return {
      addon: undefined,
      reason: `cannot load ${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      expected: true,
    };
  }
}
