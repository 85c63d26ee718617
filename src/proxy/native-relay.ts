import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { TLSSocket } from 'node:tls';
import type { EngineHandle, NativeEndFn, RelayAddon } from './native-addon.js';
import { resumeReading, socketFd, stopReading } from './node-internals.js';

// Why native: on one core, moving every chunk through Node's streams (a Buffer per read, 'data',
// write requests, GC) caps one stream at about 1.7 Gbit/s where HAProxy moves 8 (docs/benchmarks.md).
// The addon relays both sockets' descriptors in its own thread with epoll and a reused buffer;
// JavaScript only hands a connection over and closes it when the addon reports its end.

/** How a natively relayed connection ended; byte counts are of the client side. */
export interface NativeEnd {
  readonly fromClient: number;
  readonly toClient: number;
  readonly firstEnd: 'client' | 'backend' | undefined;
  /**
   * The side whose read or write failed (the other side was closed the same way), or `relay`:
   * the relay thread itself failed and dropped the connection.
   */
  readonly failed: 'client' | 'backend' | 'relay' | undefined;
  /** The failure was a reset (passed on as a reset). */
  readonly reset: boolean;
  readonly errno: number;
  /**
   * It failed before a byte went either way on either side: no reset was passed on to the client,
   * whose socket is intact (the owner may dial another backend, or reset it).
   */
  readonly untouched: boolean;
}

/** Whoever handed a connection over hears of its end here. */
export interface NativeRelayed {
  onNativeEnd(end: NativeEnd): void;
}

const RESET_ERRNOS = new Set<number>([constants.errno.ECONNRESET, constants.errno.EPIPE, constants.errno.ECONNABORTED]);
/** errSide from the addon: 1 = client, 2 = backend, 3 = the relay thread itself failed. */
const SIDES = [undefined, 'client', 'backend', 'relay'] as const;

/** The errno's name (EBADF) for logs, or its number. */
export const errnoName = (errno: number): string =>
  Object.entries(constants.errno).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;

/**
 * The native relay of one App: a thread that relays the connections handed to it. Chosen per
 * session by take(): plain TCP sockets on both sides go native, anything else (TLS on either
 * side, a socket already closing, bytes Node still holds to write) stays with the JavaScript relay.
 */
export class NativeRelay {
  readonly #addon: RelayAddon;
  readonly #engine: EngineHandle;
  readonly #owners = new Map<number, NativeRelayed>();
  readonly #onFailure: (errno: number) => void;
  #failure: number | undefined;

  /** `onFailure`: the relay thread stopped on an error (its connections end with `failed: 'relay'`). */
  constructor(addon: RelayAddon, onFailure: (errno: number) => void = () => undefined) {
    this.#addon = addon;
    this.#onFailure = onFailure;
    this.#engine = addon.create(this.#onEnd);
  }

  /** The errno the relay thread failed with, or undefined while it runs. */
  get failure(): number | undefined {
    return this.#failure;
  }

  /** Tests only: makes the relay thread fail as on an epoll_wait error. */
  fault(errno: number): void {
    this.#addon.fault(this.#engine, errno);
  }

  /** Connections relayed natively now. */
  get size(): number {
    return this.#owners.size;
  }

  /**
   * Takes both sockets over: Node stops reading them (bytes it already read from the client are
   * sent after `head`), the addon relays until the end, then `owner.onNativeEnd` closes them.
   * Returns the connection's handle, or undefined when it must be relayed in JavaScript.
   */
  take(client: Socket, upstream: Socket, head: Buffer | undefined, owner: NativeRelayed): number | undefined {
    const a = client;
    const b = upstream;
    if (this.#failure !== undefined) return undefined;
    if (a instanceof TLSSocket || b instanceof TLSSocket || a.destroyed || b.destroyed) return undefined;
    if (b.readableLength > 0 || a.writableLength > 0 || b.writableLength > 0) return undefined;
    const fdA = socketFd(a);
    const fdB = socketFd(b);
    if (fdA < 0 || fdB < 0) return undefined;
    stopReading(a);
    stopReading(b);
    const buffered = a.readableLength > 0 ? (a.read() as Buffer | null) : null;
    const data = buffered ? (head ? Buffer.concat([head, buffered]) : buffered) : head;
    let handle: number;
    try {
      handle = this.#addon.add(this.#engine, fdA, fdB, data && data.length > 0 ? data : undefined);
    } catch {
      resumeReading(a, buffered);
      resumeReading(b, null);
      return undefined;
    }
    if (this.#owners.size === 0) this.#addon.ref(this.#engine, true);
    this.#owners.set(handle, owner);
    return handle;
  }

  /** Client bytes read + written so far (the idle sweep's measure of activity). */
  activity(handle: number): number {
    return this.#addon.activity(this.#engine, handle);
  }

  /** [bytes from the client, bytes to the client] so far. */
  counts(handle: number): readonly [number, number] {
    return this.#addon.counts(this.#engine, handle) ?? [0, 0];
  }

  /** Stops relaying at once (kill, timeout): the sockets are the caller's to close. */
  release(handle: number): readonly [number, number] {
    this.#forget(handle);
    return this.#addon.release(this.#engine, handle) ?? [0, 0];
  }

  /** Stops the thread; call after every connection ended or was released. */
  stop(): void {
    this.#addon.close(this.#engine);
  }

  #forget(handle: number): void {
    if (this.#owners.delete(handle) && this.#owners.size === 0) this.#addon.ref(this.#engine, false);
  }

  readonly #onEnd: NativeEndFn = (handle, aRead, aWritten, firstEnd, errSide, errno, untouched) => {
    if (handle < 0) {
      // The thread is gone; its connections were (or are being) told one by one.
      this.#failure = errno;
      this.#onFailure(errno);
      return;
    }
    const owner = this.#owners.get(handle);
    if (!owner) return; // released in the meantime
    this.#forget(handle);
    this.#addon.release(this.#engine, handle);
    owner.onNativeEnd({
      fromClient: aRead,
      toClient: aWritten,
      firstEnd: firstEnd === 1 ? 'client' : firstEnd === 2 ? 'backend' : undefined,
      failed: SIDES[errSide],
      reset: errSide !== 3 && RESET_ERRNOS.has(errno),
      errno,
      untouched: untouched === true,
    });
  };
}
