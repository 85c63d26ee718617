import { closeSync } from 'node:fs';
import { createServer, type ListenOptions, type Server, type Socket } from 'node:net';
import { formatHostPort } from '../core/address.js';
import { ListenError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { NativeRelay } from '../proxy/native-relay.js';
import type { NativeSession, NativeSessionOwner } from '../proxy/native-session.js';
import { listenHandleOn } from '../proxy/node-internals.js';
import { Session, type SessionOwner } from '../proxy/session.js';
import { Sweeper } from '../proxy/sweeper.js';
import type { CloseReason } from '../core/close-reason.js';
import type { TargetId } from '../core/types.js';
import { connInfoOf, type ConnInfo } from './conn-info.js';
import { runInspectors } from './inspector.js';
import { NativeAcceptor } from './native-accept.js';
import {
  acceptedSocketOptions,
  fixedLocalAddress,
  setInheritedKeepAlive,
  setInheritedOptions,
} from './socket-options.js';
import { CLOSE_TICK_MS, closeOrder, closeWindowMs, dueBy, isIdle } from './deadline-close.js';
import { LISTEN_BACKLOG } from './accept-gate.js';
import { AcceptControl, type ListenerLimits } from './accept-control.js';

import {
  socketSpecOf,
  type AdmitStage,
  type ListenerObserver,
  type ListenerPipeline,
  type ListenerSettings,
} from './listener-types.js';

export { socketSpecOf } from './listener-types.js';
export type { AdmitStage, ListenerObserver, ListenerPipeline, ListenerSettings, WrapResult } from './listener-types.js';

/** Resolution of connect and idle timeouts. */
const SWEEP_MS = 100;

/** A proxied connection of a listener: relayed through Node (Session) or accepted natively. */
export type AnySession = Session | NativeSession;

/**
 * Accepts client connections on one address and runs a Session for each, routed to a pool. At its
 * maxConnections, or when the process runs out of descriptors, it stops accepting (clients wait in
 * the backlog) and starts again once connections have closed (src/listener/accept-control.ts).
 */
export class Listener implements SessionOwner, NativeSessionOwner {
  readonly name: string;
  #settings: ListenerSettings;
  #server: Server | undefined;
  /** Native accept: the relay thread accepts on this listener's socket (Node's server is closed). */
  #acceptor: NativeAcceptor | undefined;
  #pipeline: ListenerPipeline;
  readonly #sessions = new Set<AnySession>();
  /** Connect and idle timeouts of all its sessions, on one coarse tick. */
  readonly #sweeper = new Sweeper(() => this.#sessions, SWEEP_MS);
  readonly #idleWaiters: (() => void)[] = [];
  #accepting = false;
  /** The address every accepted socket has, when bound to one (see fixedLocalAddress). */
  #local: { readonly ip: string; readonly port: number } | undefined;
  /** Socket options could not be set once on the listening socket: set them on each accepted one. */
  #perSocketOptions = false;
  totalConnections = 0;
  /** Connections refused before reaching a pool (access rules, limits, bad headers, no route). */
  rejectedConnections = 0;
  /** When it accepts: its maxConnections and the descriptors of the process. */
  readonly #control: AcceptControl;
  /** Kept once listening: a server that stopped accepting for now has no address. */
  #boundPort: number | undefined;

  constructor(
    settings: ListenerSettings,
    pipeline: ListenerPipeline,
    readonly observer: ListenerObserver,
    private readonly log: Logger,
    /** The relay strategy for new sessions: the App's native relay, or undefined for JavaScript. */
    private readonly relayFor: () => NativeRelay | undefined = () => undefined,
    limits?: ListenerLimits,
  ) {
    this.name = settings.name;
    this.#settings = settings;
    this.#pipeline = pipeline;
    this.#control = new AcceptControl(this.name, () => this.#settings.maxConnections, observer, log, limits);
  }

  get listenerName(): string {
    return this.name;
  }

  get nativeRelay(): NativeRelay | undefined {
    return this.relayFor();
  }

  get settings(): ListenerSettings {
    return this.#settings;
  }

  get activeConnections(): number {
    return this.#sessions.size;
  }

  /** Not accepting for now: clients wait in the backlog. */
  get paused(): boolean {
    return this.#control.paused;
  }

  /** The actual bound port (differs from the configured one when that is 0). */
  get port(): number {
    return this.#boundPort ?? this.#settings.port;
  }

  /** Connections are accepted by the native relay's thread (config `nativeAccept`). */
  get acceptsNatively(): boolean {
    return this.#acceptor !== undefined;
  }

  sessions(): ReadonlySet<AnySession> {
    return this.#sessions;
  }

  /** Swaps the pipeline (reload); sessions already running keep the pool they started with. */
  setPipeline(pipeline: ListenerPipeline): void {
    this.#pipeline = pipeline;
  }

  /** Settings that can change in place (the address cannot). */
  update(settings: ListenerSettings): void {
    const was = this.#settings.keepAliveMs;
    this.#settings = settings;
    this.#control.updated(this.#server);
    // Accepted sockets inherit the listening socket's keep-alive: set it again for new connections.
    if (this.#server && !this.#perSocketOptions && settings.keepAliveMs !== was)
      this.#perSocketOptions = !setInheritedKeepAlive(this.#server, settings.keepAliveMs);
    if (this.#acceptor && settings.keepAliveMs !== was) this.#acceptor.keepAlive(settings.keepAliveMs);
  }

  async start(): Promise<void> {
    const s = this.#settings;
    const inherited = await s.sockets?.acquire(socketSpecOf(s));
    const server = this.#newServer();
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        const where = formatHostPort(s);
        const why =
          e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
        reject(new ListenError(`cannot listen on ${where}: ${why}`, e));
      };
      server.once('error', onError);
      // reusePort is not in Node 20's types (nor honoured by its runtime): src/cluster/accept-mode.ts.
      const where: ListenOptions & { reusePort?: boolean } = { host: s.host, port: s.port, backlog: LISTEN_BACKLOG };
      if (s.reusePort === true) where.reusePort = true;
      const listening = (): void => {
        server.off('error', onError);
        resolve();
      };
      if (inherited) server.listen(inherited.handle, LISTEN_BACKLOG, listening);
      else server.listen(where, listening);
    });
    // After listening, errors are accept failures (EMFILE, ENFILE…): survive them, log them. libuv
    // has closed one connection by then; the listener stops accepting until descriptors are free.
    this.#onAcceptErrors(server);
    this.#perSocketOptions = !setInheritedOptions(server, s.keepAliveMs);
    this.#local = fixedLocalAddress(server);
    const a = server.address();
    if (a && typeof a === 'object') this.#boundPort = a.port;
    this.#server = server;
    this.#accepting = true;
    if (s.nativeAccept) this.#acceptNatively(server);
    if (!this.#acceptor) this.#control.attach(server);
  }

  #newServer(): Server {
    const server = createServer({ allowHalfOpen: true, ...acceptedSocketOptions(this.#settings.keepAliveMs) });
    server.on('connection', (sock: Socket) => this.#onConnection(sock));
    server.on('drop', (d) => {
      this.rejectedConnections++;
      this.observer.onRejected(
        this.name,
        'max_connections',
        d && connInfoOf(this.name, d),
        `listener at maxConnections (${this.#control.maxConnections})`,
      );
    });
    return server;
  }

  #onAcceptErrors(server: Server): void {
    server.on('error', (e: NodeJS.ErrnoException) => this.#acceptFailed(e.code ?? e.message));
  }

  /** accept() failed (in Node or in the relay thread): EMFILE and ENFILE stop every listener a while. */
  #acceptFailed(err: string): void {
    this.log.error({ listener: this.name, err }, 'accept error');
    this.#control.acceptFailed(err);
  }

  /** Native accept: the relay thread accepts on this listener's socket, Node's server closes. */
  #acceptNatively(server: Server): void {
    const relay = this.relayFor();
    const acceptor = relay && NativeAcceptor.start(relay, server, this.#nativeHost, this.#control.room);
    if (!acceptor) return;
    this.#acceptor = acceptor;
    this.#control.attachNative(acceptor, (room) => acceptor.grant(room));
    this.#server = undefined;
    server.close();
  }

  readonly #nativeHost = {
    listener: this,
    pipeline: () => this.#pipeline,
    local: () => this.#local,
    accepted: (info: ConnInfo): (() => void) => {
      this.totalConnections++;
      const closed = this.#control.opened();
      this.observer.onAccepted?.(this.name, info);
      return closed;
    },
    rejected: (reason: CloseReason, info: ConnInfo, detail?: string): void => this.#rejected(reason, info, detail),
    serve: (sock: Socket, info: ConnInfo): void => this.#serve(this.#pipeline, sock, info),
    run: (s: AnySession): void => this.#run(s),
    acceptError: (err: string): void => this.#acceptFailed(err),
    // The relay thread failed: Node accepts again, on the same socket (its backlog kept).
    listenLost: (fd: number): void => {
      this.#acceptor = undefined;
      if (fd < 0) return;
      if (!this.#accepting) return closeSync(fd);
      try {
        const server = this.#newServer();
        server.listen(listenHandleOn(fd), LISTEN_BACKLOG);
        this.#onAcceptErrors(server);
        this.#server = server;
        this.#control.attach(server);
      } catch (e) {
        this.log.error({ listener: this.name, err: String(e) }, 'cannot accept in Node again');
      }
    },
  };

  /** No target could be dialed natively: a JavaScript Session continues with the client's socket. */
  continueInJs(
    s: NativeSession,
    sock: Socket,
    attempts: number,
    tried: Set<TargetId> | undefined,
    why: CloseReason,
  ): void {
    this.#sessions.delete(s);
    if (s.onClose) sock.once('close', s.onClose);
    const session = new Session(sock, s.ctx, this, s.info);
    session.continueFrom(attempts, tried, why);
    this.#sessions.add(session);
    session.start();
  }

  #onConnection(sock: Socket): void {
    if (!this.#accepting) {
      sock.destroy();
      return;
    }
    this.totalConnections++;
    this.#control.track(sock);
    const p = this.#pipeline;
    if (this.#perSocketOptions) {
      sock.setNoDelay(true);
      if (this.#settings.keepAliveMs > 0) sock.setKeepAlive(true, this.#settings.keepAliveMs);
    }
    const info = connInfoOf(this.name, sock, this.#local);
    this.observer.onAccepted?.(this.name, info);
    this.#serve(p, sock, info);
  }

  /** Admission, inspectors, TLS termination, then a session. */
  #serve(p: ListenerPipeline, sock: Socket, info: ConnInfo): void {
    if (!this.#admit(p, sock, info, 'accept')) return;
    if (p.inspectors.length === 0 && !p.wrap) return this.#startSession(p, sock, info, undefined, false);
    sock.on('error', noop); // until the session owns the socket
    if (p.inspectors.length === 0) return this.#wrap(p, sock, info, Buffer.alloc(0), false);
    void runInspectors(sock, info, p.inspectors).then((r) => {
      if (!r.ok) return this.#reject(sock, r.reason, info, r.detail);
      if (!this.#admit(p, sock, r.info, 'inspected')) return;
      if (p.wrap) return this.#wrap(p, sock, r.info, r.head, r.ended);
      sock.off('error', noop);
      this.#startSession(p, sock, r.info, r.head, r.ended);
    });
  }

  /** TLS termination: the handshake is done before a pool is chosen and a target dialed. */
  #wrap(p: ListenerPipeline, raw: Socket, info: ConnInfo, head: Buffer, ended: boolean): void {
    if (ended) return this.#reject(raw, 'client_close', info, 'client closed before the TLS handshake');
    void p.wrap!(raw, info, head).then((w) => {
      // raw keeps its no-op 'error' listener: the TLS socket reports the same errors.
      if (!w.ok) return this.#reject(raw, w.reason, info, w.detail);
      this.#startSession(p, w.sock, w.info, undefined, false);
    });
  }

  #admit(p: ListenerPipeline, sock: Socket, info: ConnInfo, stage: AdmitStage): boolean {
    const refused = p.admit?.(info, stage);
    if (refused) {
      this.#reject(sock, refused.reason, info, refused.detail);
      return false;
    }
    if (p.release) sock.once('close', () => p.release?.(info, stage));
    return true;
  }

  #startSession(p: ListenerPipeline, sock: Socket, info: ConnInfo, head: Buffer | undefined, ended: boolean): void {
    const ctx = p.route(info);
    if (!ctx) return this.#reject(sock, 'no_route', info);
    if (sock.destroyed) return; // closed while it was inspected
    this.#run(new Session(sock, ctx, this, info, head, ended));
  }

  #run(session: AnySession): void {
    this.#sessions.add(session);
    this.#sweeper.wake();
    session.start();
  }

  #reject(sock: Socket, reason: CloseReason, info: ConnInfo, detail?: string): void {
    sock.on('error', noop);
    sock.destroy();
    this.#rejected(reason, info, detail);
  }

  #rejected(reason: CloseReason, info: ConnInfo, detail?: string): void {
    this.rejectedConnections++;
    this.observer.onRejected(this.name, reason, info, detail);
  }

  onSessionClosed(s: AnySession): void {
    this.#sessions.delete(s);
    if (this.#sessions.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /**
   * Stops accepting; open sessions go on. `seen`: the connections the relay thread accepted before
   * it stopped are sessions (or refused) now; `closed`: Node's server closed (after its connections).
   */
  #stopAccepting(): { seen: Promise<void>; closed: Promise<void> } {
    this.#accepting = false;
    const seen = this.#acceptor?.stop() ?? Promise.resolve();
    this.#acceptor = undefined;
    const server = this.#server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    this.#control.stop(); // the listening socket closes now; the server's close waits for connections
    return { seen, closed };
  }

  /** Stops accepting, waits up to `deadlineMs` (Infinity: no deadline) for sessions to finish, then ends the rest. */
  async drain(deadlineMs: number): Promise<void> {
    const { seen, closed: closing } = this.#stopAccepting();
    await seen; // sessions of the last accepts are drained like the others
    if (this.#sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      // No deadline (a reload): the sessions end by themselves or by their idle timeout.
      const deadline =
        deadlineMs === Infinity ? [] : [new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))];
      await Promise.race([this.#idle(), ...deadline]);
      clearTimeout(timer);
      if (this.#sessions.size > 0) {
        await this.#closeSpread(closeWindowMs(deadlineMs));
        await this.#idle(); // both sockets of every session closed: access-log lines are out
      }
    }
    await closing;
  }

  /** The drain deadline: the rest close spread over `windowMs`, idle first (deadline-close.ts). */
  async #closeSpread(windowMs: number): Promise<void> {
    const order = closeOrder(this.#sessions);
    const start = performance.now();
    const idle = order.filter((s) => isIdle(s, start)).length;
    this.log.info(
      { listener: this.name, connections: order.length, idle, windowMs },
      `drain deadline: closing ${order.length} connection(s) over ${windowMs} ms, the ${idle} idle first`,
    );
    for (let closed = 0; ;) {
      const now = performance.now();
      for (const due = dueBy(order.length, now - start, windowMs); closed < due; closed++) {
        const s = order[closed]!;
        if (!this.#sessions.has(s)) continue; // ended by itself meanwhile
        this.observer.onDeadlineClose?.(this.name, isIdle(s, now));
        s.kill('shutdown');
      }
      if (closed >= order.length) return;
      await new Promise((resolve) => setTimeout(resolve, CLOSE_TICK_MS));
    }
  }

  #idle(): Promise<void> {
    return this.#sessions.size === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }
}

const noop = (): void => undefined;
