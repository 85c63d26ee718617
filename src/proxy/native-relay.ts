import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { TLSSocket } from 'node:tls';
import type { CloseReason } from '../core/close-reason.js';
import type { EngineHandle, NativeEventsFn, RelayAddon } from './native-addon.js';
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

/** A connection accepted by the relay thread (native accept): also hears of its upstream connects. */
export interface NativeAccepted extends NativeRelayed {
  /** Connect number `attempt` finished: `errno` 0 when connected. */
  onNativeConnect(attempt: number, errno: number): void;
  /**
   * Connect number `attempt` had connected, and its target failed (`errno`) before a byte went
   * either way: the connection waits for a decision again (connect, drop or detach).
   */
  onNativeRedial(attempt: number, errno: number): void;
}

/** A listener whose socket the relay thread accepts on. */
export interface NativeAcceptOwner {
  /** A new client; `local` is undefined when the listener is bound to one address (it knows it). */
  onNativeAccept(
    handle: number,
    ip: string,
    port: number,
    local: { readonly ip: string; readonly port: number } | undefined,
  ): void;
  /** accept() failed (EMFILE…): clients wait in the backlog, the thread tries again 100 ms later. */
  onNativeAcceptError(errno: number): void;
  /** The relay thread failed: the listening socket is the owner's again, on this descriptor. */
  onNativeListenLost(fd: number): void;
}

/** The close reason a native end implies, if any (a clean end's depends on who closed first). */
export function nativeEndReason(end: NativeEnd): CloseReason | undefined {
  if (end.failed === 'client') return end.reset ? 'client_reset' : 'client_error';
  if (end.failed === 'backend') return end.reset ? 'backend_reset' : 'backend_error';
  if (end.failed === 'relay') return 'relay_failed';
  return undefined;
}

/** Event kinds of native/relay.cc, EVENT_STRIDE numbers each. */
const EV = {
  accept: 1,
  connected: 2,
  connectFailed: 3,
  end: 4,
  failed: 5,
  acceptError: 6,
  redial: 7,
  unlistened: 8,
} as const;
/**
 * How long unlisten() waits for the thread's word that no accept of that listener follows: one
 * wake-up of the thread, normally; the bound is for a thread that is stuck or failing meanwhile.
 */
const UNLISTEN_LIMIT_MS = 2000;
const EVENT_STRIDE = 9;
/**
 * drop(): a plain close; `fin`: what the client sent unread is discarded first (the close is a FIN,
 * as from Node, which reads at once); `reset`: an RST.
 */
const DROP = { close: 0, fin: 1, reset: 2 } as const;

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
  readonly #owners = new Map<number, NativeRelayed | NativeAccepted>();
  readonly #acceptors = new Map<number, NativeAcceptOwner>();
  /** Acceptors unlisten() closed, until the thread says none of their accepts follows. */
  readonly #retiring = new Map<number, { readonly done: Promise<void>; readonly resolve: () => void }>();
  readonly #onFailure: (errno: number) => void;
  #failure: number | undefined;

  /** `onFailure`: the relay thread stopped on an error (its connections end with `failed: 'relay'`). */
  /** The addon itself (its UDP functions serve the UDP listeners: src/udp/native-udp.ts). */
  get addon(): RelayAddon {
    return this.#addon;
  }

  constructor(addon: RelayAddon, onFailure: (errno: number) => void = () => undefined) {
    this.#addon = addon;
    this.#onFailure = onFailure;
    this.#engine = addon.create(this.#onEvents);
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
    this.#hold(handle, owner);
    return handle;
  }

  /**
   * Native accept: the thread accepts on (a duplicate of) this listening descriptor and reports
   * each client to `owner`. Returns the acceptor's id, or undefined when it cannot (the caller
   * keeps accepting in Node).
   */
  listen(fd: number, fixedLocal: boolean, until: number, owner: NativeAcceptOwner): number | undefined {
    if (this.#failure !== undefined) return undefined;
    let id: number;
    try {
      id = this.#addon.listen(this.#engine, fd, fixedLocal, until);
    } catch {
      return undefined;
    }
    this.#acceptors.set(id, owner);
    this.#reref();
    return id;
  }

  /**
   * Stops accepting on it (and closes the duplicate); accepted connections go on. Resolves once
   * the owner has been told of every connection the thread accepted there: those accepted just
   * before are still on their way, and a drain must wait for them too (an upgrade under load
   * dropped one with a reset).
   */
  unlisten(id: number): Promise<void> {
    if (!this.#acceptors.has(id)) return Promise.resolve();
    const retiring = this.#retiring.get(id);
    if (retiring) return retiring.done;
    this.#addon.unlisten(this.#engine, id, false);
    let resolve = (): void => undefined;
    const done = new Promise<void>((r) => (resolve = r));
    const timer = setTimeout(() => this.#retired(id), UNLISTEN_LIMIT_MS);
    this.#retiring.set(id, { done, resolve: () => (clearTimeout(timer), resolve()) });
    if (this.#failure !== undefined) this.#retired(id); // no word comes from a thread that is gone
    return done;
  }

  /** No accept of `id` follows: its owner is forgotten. */
  #retired(id: number): void {
    const retiring = this.#retiring.get(id);
    if (!retiring) return;
    this.#retiring.delete(id);
    this.#acceptors.delete(id);
    this.#reref();
    retiring.resolve();
  }

  /** A reload changed `keepAlive`: for the connections accepted from now on. */
  listenKeepAlive(id: number, keepAliveMs: number): void {
    this.#addon.listenKeepAlive(this.#engine, id, Math.floor(keepAliveMs / 1000));
  }

  /** While paused, new clients wait in the kernel's backlog (the listening socket is not polled). */
  pauseAccept(id: number, paused: boolean): void {
    this.#addon.pauseAccept(this.#engine, id, paused);
  }

  /** The thread accepts on it while fewer than `until` connections were accepted there in all. */
  acceptUntil(id: number, until: number): void {
    this.#addon.acceptUntil(this.#engine, id, until);
  }

  /** An accepted connection's events go to `owner` from now on. */
  adopt(handle: number, owner: NativeAccepted): void {
    this.#hold(handle, owner);
  }

  /** Dials `ip:port` for an accepted connection: 0 (owner.onNativeConnect follows), an errno, or -1 (gone). */
  connect(handle: number, ip: string, port: number, keepAliveMs: number, head: Buffer | undefined): number {
    return this.#addon.connect(this.#engine, handle, ip, port, Math.floor(keepAliveMs / 1000), head);
  }

  /** Abandons a connect in progress; false when it finished meanwhile (its event is on the way). */
  cancelConnect(handle: number): boolean {
    return this.#addon.cancelConnect(this.#engine, handle);
  }

  /** Closes an accepted connection now (refused, killed): its client byte counts. */
  drop(handle: number, how: 'close' | 'fin' | 'reset' = 'close'): readonly [number, number] {
    this.#forget(handle);
    return this.#addon.drop(this.#engine, handle, DROP[how]) ?? [0, 0];
  }

  /** An accepted connection not relayed yet goes to Node: its client descriptor, or -1. */
  detach(handle: number): number {
    this.#forget(handle);
    return this.#addon.detach(this.#engine, handle);
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
    for (const id of [...this.#retiring.keys()]) this.#retired(id);
    this.#addon.close(this.#engine);
  }

  #hold(handle: number, owner: NativeRelayed): void {
    this.#owners.set(handle, owner);
    if (this.#owners.size === 1) this.#reref();
  }

  #forget(handle: number): void {
    if (this.#owners.delete(handle) && this.#owners.size === 0) this.#reref();
  }

  /** The thread keeps the process alive while it relays connections or accepts on a listener. */
  #reref(): void {
    this.#addon.ref(this.#engine, this.#owners.size + this.#acceptors.size > 0);
  }

  readonly #onEvents: NativeEventsFn = (ev, strings) => {
    let str = 0;
    for (let i = 0; i + EVENT_STRIDE <= ev.length; i += EVENT_STRIDE) {
      const handle = ev[i + 1]!;
      switch (ev[i]) {
        case EV.accept: {
          const ip = strings[str++] ?? '';
          const local = strings[str++] ?? '';
          const owner = this.#acceptors.get(ev[i + 2]!);
          if (!owner) this.#addon.drop(this.#engine, handle, DROP.close);
          else owner.onNativeAccept(handle, ip, ev[i + 3]!, local ? { ip: local, port: ev[i + 4]! } : undefined);
          break;
        }
        case EV.connected:
        case EV.connectFailed: {
          const owner = this.#owners.get(handle);
          if (owner && 'onNativeConnect' in owner)
            owner.onNativeConnect(ev[i + 2]!, ev[i] === EV.connected ? 0 : ev[i + 3]!);
          break;
        }
        case EV.redial: {
          const owner = this.#owners.get(handle);
          if (owner && 'onNativeRedial' in owner) owner.onNativeRedial(ev[i + 2]!, ev[i + 3]!);
          break;
        }
        case EV.end:
          this.#onEnd(
            handle,
            ev[i + 2]!,
            ev[i + 3]!,
            ev[i + 4]!,
            ev[i + 5]!,
            ev[i + 6]!,
            ev[i + 7] === 1,
            ev[i + 8] === 1,
          );
          break;
        case EV.failed:
          this.#onThreadFailed(ev[i + 2]!);
          break;
        case EV.acceptError:
          this.#acceptors.get(ev[i + 2]!)?.onNativeAcceptError(ev[i + 3]!);
          break;
        case EV.unlistened:
          this.#retired(ev[i + 2]!);
          break;
      }
    }
  };

  /** The thread is gone; its connections were told one by one; listening goes back to the owners. */
  #onThreadFailed(errno: number): void {
    this.#failure = errno;
    for (const [id, owner] of [...this.#acceptors]) {
      if (this.#retiring.has(id)) {
        this.#retired(id); // it had stopped listening: nothing to give back
        continue;
      }
      this.#acceptors.delete(id);
      owner.onNativeListenLost(this.#addon.unlisten(this.#engine, id, true));
    }
    this.#reref();
    this.#onFailure(errno);
  }

  #onEnd(
    handle: number,
    aRead: number,
    aWritten: number,
    firstEnd: number,
    errSide: number,
    errno: number,
    closed: boolean,
    untouched: boolean,
  ): void {
    const owner = this.#owners.get(handle);
    if (!owner) return; // released in the meantime
    this.#forget(handle);
    if (!closed) this.#addon.release(this.#engine, handle);
    owner.onNativeEnd({
      fromClient: aRead,
      toClient: aWritten,
      firstEnd: firstEnd === 1 ? 'client' : firstEnd === 2 ? 'backend' : undefined,
      failed: SIDES[errSide],
      reset: errSide !== 3 && RESET_ERRNOS.has(errno),
      errno,
      untouched,
    });
  }
}
