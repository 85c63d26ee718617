import { Socket, type Server } from 'node:net';
import { normalizeIp } from '../core/address.js';
import type { CloseReason } from '../core/close-reason.js';
import { errnoName, type NativeAcceptOwner, type NativeRelay } from '../proxy/native-relay.js';
import { NativeSession } from '../proxy/native-session.js';
import { serverFd } from '../proxy/node-internals.js';
import { Session } from '../proxy/session.js';
import type { ConnInfo } from './conn-info.js';
import type { AnySession, Listener, ListenerPipeline } from './listener.js';

// Native accept (config `nativeAccept`): the relay thread accepts on the listener's socket and
// connects upstream itself, so that a plain TCP connection never becomes a net.Socket (issue 15:
// Node's accept, two sockets and their close sequence were half the CPU of a short connection).
// The decisions stay here, in the order the Node path takes them (src/listener/listener.ts):
// maxConnections, admission, route, then a NativeSession that picks the target. What reads the
// client (inspectors, TLS termination) or dials in another way (TLS to the target) goes to Node.

/** What the native acceptor needs of its listener (closures over the listener's private state). */
export interface NativeAcceptHost {
  readonly listener: Listener;
  readonly accepting: () => boolean;
  readonly pipeline: () => ListenerPipeline;
  readonly maxConnections: () => number | undefined;
  readonly sessionCount: () => number;
  /** The address every accepted socket has, when the listener is bound to one. */
  readonly local: () => { readonly ip: string; readonly port: number } | undefined;
  /** A connection was accepted (counted, observed). */
  readonly accepted: (info: ConnInfo) => void;
  readonly rejected: (reason: CloseReason, info: ConnInfo, detail?: string) => void;
  /** The Node path from admission on (inspectors, TLS termination). */
  readonly serve: (sock: Socket, info: ConnInfo) => void;
  /** Adds a session to the listener's set and starts it. */
  readonly run: (s: AnySession) => void;
  /** accept() failed in the thread (EMFILE…). */
  readonly acceptError: (err: string) => void;
  /** The relay thread failed: Node must accept on this descriptor again (-1: none). */
  readonly listenLost: (fd: number) => void;
}

export class NativeAcceptor implements NativeAcceptOwner {
  private constructor(
    readonly relay: NativeRelay,
    private readonly host: NativeAcceptHost,
    private id = -1,
  ) {}

  /**
   * The relay thread takes (a duplicate of) the server's listening descriptor; the caller closes
   * its server, and the socket and its backlog live on in the duplicate. Undefined (Node accepts)
   * when the server has no descriptor of its own (a cluster worker under round-robin) or the
   * relay cannot poll it.
   */
  static start(relay: NativeRelay, server: Server, host: NativeAcceptHost): NativeAcceptor | undefined {
    const fd = serverFd(server);
    if (fd < 0) return undefined;
    const a = new NativeAcceptor(relay, host);
    const id = relay.listen(fd, host.local() !== undefined, a);
    if (id === undefined) return undefined;
    a.id = id;
    return a;
  }

  /** Stops accepting (closes the thread's duplicate); accepted connections go on. */
  stop(): void {
    this.relay.unlisten(this.id);
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
    if (!host.accepting()) return void relay.drop(handle);
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
    host.accepted(info);
    const max = host.maxConnections();
    if (max !== undefined && host.sessionCount() >= max) {
      relay.drop(handle);
      return host.rejected('max_connections', info, `listener at maxConnections (${max})`);
    }
    const p = host.pipeline();
    if (p.inspectors.length > 0 || p.wrap) {
      const sock = this.#toNode(handle);
      if (sock) host.serve(sock, info);
      return;
    }
    const refused = p.admit?.(info, 'accept');
    if (refused) {
      relay.drop(handle);
      return host.rejected(refused.reason, info, refused.detail);
    }
    const release = p.release ? (): void => p.release?.(info, 'accept') : undefined;
    const ctx = p.route(info);
    if (!ctx) {
      relay.drop(handle);
      release?.();
      return host.rejected('no_route', info);
    }
    const plain = ctx.dialer.plainTcp;
    if (plain) return host.run(new NativeSession(handle, relay, ctx, host.listener, info, plain.keepAliveMs, release));
    // A TLS (or custom) dialer: the session relays in Node.
    const sock = this.#toNode(handle);
    if (!sock) return release?.();
    if (release) sock.once('close', release);
    host.run(new Session(sock, ctx, host.listener, info));
  }

  onNativeAcceptError(errno: number): void {
    this.host.acceptError(errnoName(errno));
  }

  onNativeListenLost(fd: number): void {
    this.host.listenLost(fd);
  }

  /** An accepted connection not relayed yet becomes a net.Socket. */
  #toNode(handle: number): Socket | undefined {
    const fd = this.relay.detach(handle);
    return fd < 0 ? undefined : new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  }
}
