import type { Socket } from 'node:dgram';
import { constants } from 'node:os';

/** The UDP functions of the native addon (native/udp-reply.cc). */
export interface UdpAddon {
  udpCreate(): object;
  /** The engine reads the listener's socket from now on (native/udp-receive.cc): 0, or -errno. */
  udpListen(engine: object, listenerFd: number, onDatagram: OnDatagram): number;
  udpUnlisten(engine: object): void;
  /** A connected upstream socket whose replies go to the client from `listenerFd`: a slot, or -errno. */
  udpOpen(
    engine: object,
    listenerFd: number,
    targetIp: string,
    targetPort: number,
    clientIp: string,
    clientPort: number,
    header: Buffer | undefined,
  ): number;
  /** 0, or -errno; -ECONNREFUSED: not sent, the target refused an earlier datagram. */
  udpSend(engine: object, slot: number, msg: Buffer): number;
  udpTake(engine: object, slot: number, out: Float64Array): boolean;
  /** The client's datagrams go to JavaScript again (the session must move); replies still flow. */
  udpForget(engine: object, slot: number): void;
  /** The client's datagrams go out from C++ again; false for an unknown slot. */
  udpRegister(engine: object, slot: number): boolean;
  udpClose(engine: object, slot: number): void;
  /** Datagrams read for JavaScript may wait up to `bytes` (default 4 MiB); beyond, they are dropped. */
  udpLimit(engine: object, bytes: number): void;
  /** Datagrams dropped since the last call: `udpLimit` bytes were waiting for JavaScript. */
  udpDropped(engine: object): number;
  udpDestroy(engine: object): void;
}

/**
 * A datagram the engine does not forward itself: a new client, a session JavaScript unregistered
 * or that must move, one too large with its PROXY header, a truncated one (never forwarded).
 */
export type OnDatagram = (msg: Buffer, ip: string, port: number, truncated: boolean) => void;

/** The addon's UDP functions, when it has them all (an addon built before some of them has not). */
export const udpFunctions = (a: Partial<UdpAddon> | undefined): UdpAddon | undefined =>
  typeof a?.udpCreate === 'function' && typeof a.udpListen === 'function' && typeof a.udpLimit === 'function'
    ? (a as UdpAddon)
    : undefined;

/**
 * What a native session did since the last take: indexes into `take`'s array (native/udp-engine.h):
 * replies sent and dropped, port-unreachable errors, the client's datagrams sent and dropped from
 * C++, and how many ms ago the last datagram either way was (-1: none since the last take).
 */
export const TAKEN = {
  datagrams: 0,
  bytes: 1,
  full: 2,
  errors: 3,
  refused: 4,
  inDatagrams: 5,
  inBytes: 6,
  inFull: 7,
  inErrors: 8,
  ageMs: 9,
} as const;

export const SEND_REFUSED = -constants.errno.ECONNREFUSED;
export const isSendFull = (r: number): boolean =>
  r === -constants.errno.EAGAIN || r === -constants.errno.ENOBUFS || r === -constants.errno.EWOULDBLOCK;

/** The raw libuv handle under a bound dgram socket (not in @types/node). */
export interface RawUdp {
  readonly fd?: unknown;
  recvStart(): number;
  recvStop(): number;
}

/**
 * The handle under a bound dgram socket: dgram keeps it under a symbol (not in @types/node, and
 * `_handle` is deprecated); undefined when there is none (closed).
 */
export function udpHandle(sock: Socket): RawUdp | undefined {
  const key = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  return key
    ? ((sock as unknown as Record<symbol, { handle?: RawUdp | null } | undefined>)[key]?.handle ?? undefined)
    : undefined;
}

/** The descriptor under a bound dgram socket; -1 when there is none. */
export function udpSocketFd(sock: Socket): number {
  const fd = udpHandle(sock)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * One listener's native fast path, on a thread of its own: its sessions' upstream sockets in C++,
 * the replies sent to the clients from the listener's descriptor without entering JavaScript
 * (native/udp-reply.cc), and with `receive`, the listener's socket read in C++ too
 * (native/udp-receive.cc): a registered session's datagrams go to its target without JavaScript.
 * Sessions pull what happened (`take`) on the listener's sweep and before they end.
 */
export class NativeUdp {
  readonly #engine: object;
  readonly #out = new Float64Array(10);
  #destroyed = false;
  /** dgram's handle while the engine reads its socket instead (reading handed back at `destroy`). */
  #reading: RawUdp | undefined;

  constructor(
    private readonly addon: UdpAddon,
    private readonly listenerFd: number,
  ) {
    this.#engine = addon.udpCreate();
  }

  /** A session's socket: its slot, or -errno (EMFILE when out of descriptors). */
  open(targetIp: string, targetPort: number, clientIp: string, clientPort: number, header?: Buffer): number {
    if (this.#destroyed) return -constants.errno.EBADF;
    return this.addon.udpOpen(this.#engine, this.listenerFd, targetIp, targetPort, clientIp, clientPort, header);
  }

  /**
   * Reads the listener's socket in C++ from now on: dgram stops reading it; what the engine does
   * not forward goes to `onDatagram`. 0, or -errno (then dgram reads on, nothing changed).
   */
  receive(handle: RawUdp, onDatagram: OnDatagram): number {
    if (this.#destroyed) return -constants.errno.EBADF;
    const r = this.addon.udpListen(this.#engine, this.listenerFd, onDatagram);
    if (r !== 0) return r;
    handle.recvStop();
    this.#reading = handle;
    return 0;
  }

  /**
   * Stops reading the listener's socket, without handing it back to dgram: at an upgrade, the
   * next generation reads it (supervisor). Datagrams read before still come to `onDatagram`.
   */
  stopReceiving(): void {
    this.#reading = undefined;
    if (!this.#destroyed) this.addon.udpUnlisten(this.#engine);
  }

  forget(slot: number): void {
    this.addon.udpForget(this.#engine, slot);
  }

  register(slot: number): boolean {
    return this.addon.udpRegister(this.#engine, slot);
  }

  send(slot: number, msg: Buffer): number {
    return this.addon.udpSend(this.#engine, slot, msg);
  }

  /** The counts since the last take, in an array reused by the next call; undefined for an unknown slot. */
  take(slot: number): Float64Array | undefined {
    return this.addon.udpTake(this.#engine, slot, this.#out) ? this.#out : undefined;
  }

  close(slot: number): void {
    this.addon.udpClose(this.#engine, slot);
  }

  /** Datagrams the engine reads for `onDatagram` wait up to `bytes` in all; beyond, they are dropped. */
  limit(bytes: number): void {
    if (!this.#destroyed) this.addon.udpLimit(this.#engine, bytes);
  }

  /** Datagrams the engine read for `onDatagram` and dropped since the last call (`limit` reached). */
  dropped(): number {
    return this.#destroyed ? 0 : this.addon.udpDropped(this.#engine);
  }

  /** Closes every session socket; dgram reads the listener's socket again if the engine read it. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.addon.udpDestroy(this.#engine);
    const handle = this.#reading;
    this.#reading = undefined;
    handle?.recvStart();
  }
}
