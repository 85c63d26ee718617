import { createServer, type ListenOptions, type Server, type Socket } from 'node:net';
import { formatHostPort } from '../core/address.js';
import { ListenError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { NativeRelay } from '../proxy/native-relay.js';
import { Session, type SessionOwner } from '../proxy/session.js';
import { Sweeper } from '../proxy/sweeper.js';
import type { CloseReason, Refusal } from '../core/close-reason.js';
import type { PoolContext, SessionObserver } from '../proxy/session-types.js';
import { connInfoOf, type ConnInfo } from './conn-info.js';
import { runInspectors, type Inspector } from './inspector.js';
import {
  acceptedSocketOptions,
  fixedLocalAddress,
  setInheritedKeepAlive,
  setInheritedOptions,
} from './socket-options.js';
import type { SocketSource, SocketSpec } from '../supervisor/socket-spec.js';
import { CLOSE_TICK_MS, closeOrder, closeWindowMs, dueBy, isIdle } from './deadline-close.js';
import { LISTEN_BACKLOG } from './accept-gate.js';
import { AcceptControl, type ListenerLimits, type PauseObserver } from './accept-control.js';

export interface ListenerSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number | undefined;
  readonly keepAliveMs: number;
  /** SO_REUSEPORT, so that several processes can each listen on the port (Node >= 22.12). */
  readonly reusePort?: boolean;
  /** The listening socket comes from here (a supervisor holding it across upgrades), not a bind. */
  readonly sockets?: SocketSource | undefined;
}

export const socketSpecOf = (s: ListenerSettings): SocketSpec => ({
  kind: 'tcp',
  name: s.name,
  host: s.host,
  port: s.port,
});

export type AdmitStage = 'accept' | 'inspected';

export interface ListenerObserver extends SessionObserver, PauseObserver {
  /** A client connection was accepted (before admission and inspection). */
  onAccepted?(listener: string, info: ConnInfo): void;
  /** A connection closed before it reached a pool: denied, limited, bad header, no route… */
  onRejected(listener: string, reason: CloseReason, info?: ConnInfo, detail?: string): void;
  /** A connection still open at the drain deadline is closed now (idle: no byte for a while). */
  onDeadlineClose?(listener: string, idle: boolean): void;
}

/**
 * How a listener handles a new connection, swapped as a whole on reload:
 * admit (before any byte is read) → inspectors (PROXY header, ClientHello) → wrap (TLS
 * termination) → route to a pool.
 */
export interface ListenerPipeline {
  /**
   * Access control and per-client limits, run at 'accept' (before any byte is read: the TCP peer)
   * and again at 'inspected' (the client a trusted PROXY header advertised); returns why the
   * connection is refused, if it is.
   */
  readonly admit?: ((info: ConnInfo, stage: AdmitStage) => Refusal | undefined) | undefined;
  /** Told, once for each admit that let a connection in and with its arguments, when it closes. */
  readonly release?: ((info: ConnInfo, stage: AdmitStage) => void) | undefined;
  readonly inspectors: readonly Inspector[];
  /**
   * Takes the socket over after the inspectors (TLS termination); `head` holds the bytes they read
   * but did not consume. Resolves, once the handshake is done, with the socket to relay.
   */
  readonly wrap?: ((raw: Socket, info: ConnInfo, head: Buffer) => Promise<WrapResult>) | undefined;
  readonly route: (info: ConnInfo) => PoolContext | undefined;
}

export type WrapResult =
  | { readonly ok: true; readonly sock: Socket; readonly info: ConnInfo }
  | { readonly ok: false; readonly reason: CloseReason; readonly detail: string };

/** Resolution of connect and idle timeouts. */
const SWEEP_MS = 100;

/**
 * Accepts client connections on one address and runs a Session for each, routed to a pool. At its
 * maxConnections, or when the process runs out of descriptors, it stops accepting (clients wait in
 * the backlog) and starts again once connections have closed (src/listener/accept-control.ts).
 */
export class Listener implements SessionOwner {
  readonly name: string;
  #settings: ListenerSettings;
  #server: Server | undefined;
  #pipeline: ListenerPipeline;
  readonly #sessions = new Set<Session>();
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

  sessions(): ReadonlySet<Session> {
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
  }

  async start(): Promise<void> {
    const s = this.#settings;
    const inherited = await s.sockets?.acquire(socketSpecOf(s));
    const server = createServer({ allowHalfOpen: true, ...acceptedSocketOptions(s.keepAliveMs) });
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
    server.on('error', (e: NodeJS.ErrnoException) => {
      this.log.error({ listener: this.name, err: e.code ?? e.message }, 'accept error');
      this.#control.acceptFailed(e.code);
    });
    this.#perSocketOptions = !setInheritedOptions(server, s.keepAliveMs);
    this.#local = fixedLocalAddress(server);
    const a = server.address();
    if (a && typeof a === 'object') this.#boundPort = a.port;
    this.#server = server;
    this.#accepting = true;
    this.#control.attach(server);
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
    const session = new Session(sock, ctx, this, info, head, ended);
    this.#sessions.add(session);
    this.#sweeper.wake();
    session.start();
  }

  #reject(sock: Socket, reason: CloseReason, info: ConnInfo, detail?: string): void {
    sock.on('error', noop);
    sock.destroy();
    this.rejectedConnections++;
    this.observer.onRejected(this.name, reason, info, detail);
  }

  onSessionClosed(s: Session): void {
    this.#sessions.delete(s);
    if (this.#sessions.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /** Stops accepting; open sessions go on. */
  async stopAccepting(): Promise<void> {
    this.#accepting = false;
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.#control.stop(); // the listening socket closes now; the server's close waits for connections
    await closed;
  }

  /** Stops accepting, waits up to `deadlineMs` (Infinity: no deadline) for sessions to finish, then ends the rest. */
  async drain(deadlineMs: number): Promise<void> {
    const closing = this.stopAccepting();
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
