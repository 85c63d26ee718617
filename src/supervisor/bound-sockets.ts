import { lookup } from 'node:dns/promises';
import { constants } from 'node:os';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { socketKey, type SocketSpec } from './socket-spec.js';

// Node has no public way to bind a socket without also accepting on it: a listening net.Server
// in the supervisor would take connections itself. The raw libuv handles (tcp_wrap, udp_wrap)
// bind without listen(2): the program generation that receives one over IPC listens on it, and
// the socket (with its backlog) lives as long as any process holds it, the supervisor included.

interface RawHandle {
  readonly fd: number;
  close(cb?: () => void): void;
}
interface RawTcp extends RawHandle {
  getsockname(out: { port?: number }): number;
  bind(host: string, port: number): number;
  bind6(host: string, port: number, flags: number): number;
}
interface RawUdp extends RawHandle {
  bind(host: string, port: number, flags: number): number;
  bind6(host: string, port: number, flags: number): number;
}
interface Bindings {
  TCP: new (type: number) => RawTcp;
  constants: { SERVER: number };
}
interface UdpBindings {
  UDP: new () => RawUdp;
}

const binding = (name: string): unknown => (process as unknown as { binding(n: string): unknown }).binding(name);

const UV_EADDRINUSE = -constants.errno.EADDRINUSE;
const boundPort = (h: RawTcp): number => {
  const out: { port?: number } = {};
  return h.getsockname(out) === 0 ? (out.port ?? 0) : 0;
};

export class BindError extends Error {
  constructor(
    readonly errno: string,
    spec: SocketSpec,
  ) {
    super(`${errno} binding ${spec.kind} ${spec.host}:${spec.port}`);
  }
}

/** The sockets the supervisor holds, by key. Bound once; the same socket for every generation. */
export class BoundSockets {
  readonly #held = new Map<string, { spec: SocketSpec; handle: RawHandle }>();

  get size(): number {
    return this.#held.size;
  }

  keys(): string[] {
    return [...this.#held.keys()];
  }

  async acquire(spec: SocketSpec): Promise<RawHandle> {
    const key = socketKey(spec);
    const held = this.#held.get(key);
    if (held) return held.handle;
    const address = isIP(spec.host) ? spec.host : (await lookup(spec.host)).address;
    const v6 = isIP(address) === 6;
    let handle: RawTcp | RawUdp;
    let err: number;
    if (spec.kind === 'tcp') {
      const { TCP, constants } = binding('tcp_wrap') as Bindings;
      const h = new TCP(constants.SERVER);
      err = v6 ? h.bind6(address, spec.port, 0) : h.bind(address, spec.port);
      handle = h;
    } else {
      const { UDP } = binding('udp_wrap') as UdpBindings;
      const h = new UDP();
      err = v6 ? h.bind6(address, spec.port, 0) : h.bind(address, spec.port, 0);
      handle = h;
    }
    // libuv keeps EADDRINUSE of a TCP bind for the listen(2) that follows (delayed_error), and that
    // flag does not travel with the descriptor: a socket left unbound is caught here.
    if (err === 0 && spec.kind === 'tcp') err = boundPort(handle as RawTcp) === 0 ? UV_EADDRINUSE : 0;
    if (err !== 0) {
      handle.close();
      throw new BindError(getSystemErrorName(err), spec);
    }
    // A second acquire of the same key may have bound meanwhile (the lookup awaited): keep one.
    const raced = this.#held.get(key);
    if (raced) {
      handle.close();
      return raced.handle;
    }
    this.#held.set(key, { spec, handle });
    return handle;
  }

  release(key: string): void {
    this.#held.get(key)?.handle.close();
    this.#held.delete(key);
  }

  /** Closes every socket not in `keep` (what the serving generation uses). */
  keepOnly(keep: ReadonlySet<string>): string[] {
    const gone = [...this.#held.keys()].filter((k) => !keep.has(k));
    for (const k of gone) this.release(k);
    return gone;
  }

  closeAll(): void {
    this.keepOnly(new Set());
  }
}
