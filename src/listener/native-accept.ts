import { Socket, type Server } from 'node:net';
import { normalizeIp } from '../core/address.js';
import type { CloseReason } from '../core/close-reason.js';
import { errnoName, type NativeAcceptOwner, type NativeRelay } from '../proxy/native-relay.js';
import { NativeSession } from '../proxy/native-session.js';
import { serverFd } from '../proxy/node-internals.js';
import { Session } from '../proxy/session.js';
import type { Gate } from './accept-gate.js';
import type { ConnInfo } from './conn-info.js';
import type { AnySession, Listener, ListenerPipeline } from './listener.js';

// Native accept (config `nativeAccept`): the relay thread accepts on the listener's socket and
// connects upstream itself, so that a plain TCP connection never becomes a net.Socket (issue 15:
// Node's accept, two sockets and their close sequence were half the CPU of a short connection).
// The decisions stay here, in the order the Node path takes them (src/listener/listener.ts):
// maxConnections, admission, route, then a NativeSession that picks the target. What reads the
// client (inspectors, TLS termination) or dials in another way (TLS to the target) goes to Node.
// The limits (maxConnections, the descriptor budget) are the listener's AcceptControl, as in
// Node: it pauses the thread's polling (this acceptor is its Gate) and tells the room left, which
// the thread never accepts beyond (grant), so that clients over a limit wait in the backlog.

/**
 * Connections the thread may accept beyond those JavaScript has been told of, at most: it is asked
 * again when half of it is used. Bounds what a burst on another listener can take of the process
 * budget before this one hears of it.
 */
const GRANT = 256;

/** What the native acceptor needs of its listener (closures over the listener's private state). */
export interface NativeAcceptHost {
  readonly listener: Listener;
  readonly pipeline: () => ListenerPipeline;
  /** The address every accepted socket has, when the listener is bound to one. */
  readonly local: () => { readonly ip: string; readonly port: number } | undefined;
  /** A connection was accepted (counted, observed); the function returned: its descriptors are closed. */
  readonly accepted: (info: ConnInfo) => () => void;
  readonly rejected: (reason: CloseReason, info: ConnInfo, detail?: string) => void;
  /** The Node path from admission on (inspectors, TLS termination). */
  readonly serve: (sock: Socket, info: ConnInfo) => void;
  /** Adds a session to the listener's set and starts it. */
  readonly run: (s: AnySession) => void;
  /** accept() failed in the thread (EMFILE…): its errno's name. */
  readonly acceptError: (err: string) => void;
  /** The relay thread failed: Node must accept on this descriptor again (-1: none). */
  readonly listenLost: (fd: number) => void;
}

export class NativeAcceptor implements NativeAcceptOwner, Gate {
  /** Accepts JavaScript was told of, and how many in all the thread may accept (acceptUntil). */
  #seen = 0;
  #granted = 0;

  private constructor(
    readonly relay: NativeRelay,
    private readonly host: NativeAcceptHost,
    private id = -1,
  ) {}

  /**
   * The relay thread takes (a duplicate of) the server's listening descriptor; the caller closes
   * its server, and the socket and its backlog live on in the duplicate. Undefined (Node accepts)
   * when the server has no descriptor of its own (a cluster worker under round-robin) or the
   * relay cannot poll it. `room`: the connections it may accept before a limit.
   */
  static start(relay: NativeRelay, server: Server, host: NativeAcceptHost, room: number): NativeAcceptor | undefined {
    const fd = serverFd(server);
    if (fd < 0) return undefined;
    const a = new NativeAcceptor(relay, host);
    a.#granted = Math.max(0, Math.min(room, GRANT));
    const id = relay.listen(fd, host.local() !== undefined, a.#granted, a);
    if (id === undefined) return undefined;
    a.id = id;
    return a;
  }

  /**
   * The connections it may still open changed. The thread's limit counts every accept, those not
   * reported yet too: it is the accepts reported plus the room. Lowered at once, raised only when
   * the thread runs short (one call per GRANT / 2 connections while far from the limits).
   */
  grant(room: number): void {
    const until = this.#seen + Math.max(0, Math.min(room, GRANT));
    if (until === this.#granted) return;
    if (until > this.#granted && this.#granted - this.#seen >= GRANT / 2) return;
    this.#granted = until;
    this.relay.acceptUntil(this.id, until);
  }

  readonly armed = true;

  pause(): void {
    this.relay.pauseAccept(this.id, true);
  }

  resume(): Error | undefined {
    this.relay.pauseAccept(this.id, false);
    return undefined;
  }

  /** Closed by stop(). */
  close(): void {}

  /**
   * Stops accepting (closes the thread's duplicate); accepted connections go on. Resolves once the
   * connections the thread accepted before it stopped have come here (and are sessions now).
   */
  stop(): Promise<void> {
    return this.relay.unlisten(this.id);
  }

  /** A reload changed `keepAlive`: for the connections accepted from now on. */
  keepAlive(ms: number): void {
    this.relay.listenKeepAlive(this.id, ms);
  }

  onNativeAccept(
    handle: number,
    ip: string,
    port: number,
    local: { readonly ip: string; readonly port: number } | undefined,
  ): void {
    const { host, relay } = this;
    this.#seen++;
    // Accepted, even if the listener stopped accepting since (a drain, an upgrade): it is served
    // and drained with the rest, never closed (the kernel completed its handshake for us).
    const peer = normalizeIp(ip);
    const at = local ? { ip: normalizeIp(local.ip), port: local.port } : host.local()!;
    const info: ConnInfo = {
      listener: host.listener.name,
      clientIp: peer,
      clientPort: port,
      localIp: at.ip,
      localPort: at.port,
      peerIp: peer,
    };
    const closed = host.accepted(info);
    const p = host.pipeline();
    if (p.inspectors.length > 0 || p.wrap) {
      const sock = this.#toNode(handle, closed);
      if (sock) host.serve(sock, info);
      return;
    }
    const refused = p.admit?.(info, 'accept');
    if (refused) {
      relay.drop(handle);
      closed();
      return host.rejected(refused.reason, info, refused.detail);
    }
    const release = p.release ? (): void => p.release?.(info, 'accept') : undefined;
    const ctx = p.route(info);
    if (!ctx) {
      relay.drop(handle);
      release?.();
      closed();
      return host.rejected('no_route', info);
    }
    const done = (): void => {
      release?.();
      closed();
    };
    const plain = ctx.dialer.plainTcp;
    if (plain) return host.run(new NativeSession(handle, relay, ctx, host.listener, info, plain.keepAliveMs, done));
    // A TLS (or custom) dialer: the session relays in Node.
    const sock = this.#toNode(handle, done);
    if (sock) host.run(new Session(sock, ctx, host.listener, info));
  }

  onNativeAcceptError(errno: number): void {
    this.host.acceptError(errnoName(errno));
  }

  onNativeListenLost(fd: number): void {
    this.host.listenLost(fd);
  }

  /** An accepted connection not relayed yet becomes a net.Socket; `closed` is called when it closes. */
  #toNode(handle: number, closed: () => void): Socket | undefined {
    const fd = this.relay.detach(handle);
    if (fd < 0) {
      closed();
      return undefined;
    }
    const sock = new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    sock.once('close', closed);
    return sock;
  }
}
