import type { Socket } from 'node:dgram';
import { constants } from 'node:os';

/** The UDP functions of the native addon (native/udp-reply.cc). */
export interface UdpAddon {
  udpCreate(): object;
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
  udpClose(engine: object, slot: number): void;
  udpDestroy(engine: object): void;
}

/** The addon's UDP functions, when it has them (an addon built before them has not). */
export const udpFunctions = (a: Partial<UdpAddon> | undefined): UdpAddon | undefined =>
  typeof a?.udpCreate === 'function' ? (a as UdpAddon) : undefined;

/** What a native session did since the last take: indexes into `take`'s array (native/udp-reply.cc). */
export const TAKEN = { datagrams: 0, bytes: 1, full: 2, errors: 3, refused: 4 } as const;

export const SEND_REFUSED = -constants.errno.ECONNREFUSED;
export const isSendFull = (r: number): boolean =>
  r === -constants.errno.EAGAIN || r === -constants.errno.ENOBUFS || r === -constants.errno.EWOULDBLOCK;

/**
 * The descriptor under a bound dgram socket: dgram keeps its libuv handle under a symbol (not in
 * @types/node, and `_handle` is deprecated); -1 when there is none.
 */
export function udpSocketFd(sock: Socket): number {
  const key = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  const fd = (key ? (sock as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[key] : undefined)
    ?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * One listener's native fast path: its sessions' upstream sockets in C++, the replies sent to
 * the clients from the listener's descriptor without entering JavaScript (native/udp-reply.cc).
 * Sessions pull what happened (`take`) on the listener's sweep and before they end.
 */
export class NativeUdp {
  readonly #engine: object;
  readonly #out = new Float64Array(5);
  #destroyed = false;

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

  destroy(): void {
    this.#destroyed = true;
    this.addon.udpDestroy(this.#engine);
  }
}
