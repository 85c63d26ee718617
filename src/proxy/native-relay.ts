import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { TLSSocket } from 'node:tls';
import type { EngineHandle, NativeEndFn, RelayAddon } from './native-addon.js';

// Why native: on one core, moving every chunk through Node's streams (a Buffer per read, 'data',
// write requests, GC) caps one stream at about 1.7 Gbit/s where HAProxy moves 8 (docs/benchmarks.md).
// The addon relays both sockets' descriptors in its own thread with epoll and a reused buffer;
// JavaScript only hands a connection over and closes it when the addon reports its end.

/** How a natively relayed connection ended; byte counts are of the client side. */
export interface NativeEnd {
  readonly fromClient: number;
  readonly toClient: number;
  readonly firstEnd: 'client' | 'backend' | undefined;
  /** The side whose read or write failed (the other side was closed the same way). */
  readonly failed: 'client' | 'backend' | undefined;
  /** The failure was a reset (passed on as a reset). */
  readonly reset: boolean;
  readonly errno: number;
}

/** Whoever handed a connection over hears of its end here. */
export interface NativeRelayed {
  onNativeEnd(end: NativeEnd): void;
}

/** What we touch of a net.Socket's internals (undocumented, stable since Node 0.x). */
interface StreamHandle {
  fd?: number;
  reading?: boolean;
  readStop?(): number;
}
interface HandleSocket extends Socket {
  _handle?: StreamHandle | null;
  _read(size: number): void;
}

const RESET_ERRNOS = new Set<number>([constants.errno.ECONNRESET, constants.errno.EPIPE, constants.errno.ECONNABORTED]);
const SIDES = [undefined, 'client', 'backend'] as const;

const fdOf = (s: HandleSocket): number => {
  const fd = s._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
};

/** Replaces `_read` while the addon owns a socket, so that nothing makes Node read it again. */
function noRead(): void {
  // Readable stays in its 'reading' state: no further _read call, no read from the descriptor.
}

function stopReading(s: HandleSocket): void {
  s._read = noRead;
  const h = s._handle;
  if (h?.reading) {
    h.reading = false;
    h.readStop?.();
  }
}

function resumeReading(s: HandleSocket, buffered: Buffer | null): void {
  Reflect.deleteProperty(s, '_read'); // the prototype's again: the JavaScript relay restarts it
  if (buffered) s.unshift(buffered);
}

/**
 * The native relay of one App: a thread that relays the connections handed to it. Chosen per
 * session by take(): plain TCP sockets on both sides go native, anything else (TLS on either
 * side, a socket already closing, bytes Node still holds to write) stays with the JavaScript relay.
 */
export class NativeRelay {
  readonly #addon: RelayAddon;
  readonly #engine: EngineHandle;
  readonly #owners = new Map<number, NativeRelayed>();

  constructor(addon: RelayAddon) {
    this.#addon = addon;
    this.#engine = addon.create(this.#onEnd);
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
    const a = client as HandleSocket;
    const b = upstream as HandleSocket;
    if (a instanceof TLSSocket || b instanceof TLSSocket || a.destroyed || b.destroyed) return undefined;
    if (b.readableLength > 0 || a.writableLength > 0 || b.writableLength > 0) return undefined;
    const fdA = fdOf(a);
    const fdB = fdOf(b);
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

  readonly #onEnd: NativeEndFn = (handle, aRead, aWritten, firstEnd, errSide, errno) => {
    const owner = this.#owners.get(handle);
    if (!owner) return; // released in the meantime
    this.#forget(handle);
    this.#addon.release(this.#engine, handle);
    owner.onNativeEnd({
      fromClient: aRead,
      toClient: aWritten,
      firstEnd: SIDES[firstEnd],
      failed: SIDES[errSide],
      reset: RESET_ERRNOS.has(errno),
      errno,
    });
  };
}
