import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { formatHostPort } from '../core/address.js';
import type { CloseReason } from '../core/close-reason.js';
import { ListenError } from '../core/errors.js';
import type { TargetId } from '../core/types.js';
import type { Logger } from '../log/logger.js';
import { Sweeper } from '../proxy/sweeper.js';
import type { SocketSource } from '../supervisor/socket-spec.js';
import { NativeUdp, udpHandle, udpSocketFd, type RawUdp, type UdpAddon } from './native-udp.js';
import { SessionTable, type SessionPolicy } from './session-table.js';
import { UdpSession, type SessionHost, type UdpPoolContext } from './udp-session.js';
import {
  countDrop,
  noTraffic,
  type TargetUdpStats,
  type Traffic,
  type UdpDropReason,
  type UdpObserver,
  type UdpSessionEnd,
  type UdpStats,
} from './udp-types.js';

export interface UdpListenerSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly maxBufferedBytes: number;
  /** Bind the port exclusively with SO_REUSEPORT (Node >= 22.12: src/udp/udp-workers.ts). */
  readonly reusePort?: boolean;
  /** Bind in this process even inside a cluster worker (no handle shared through the primary). */
  readonly exclusive?: boolean;
  /** The socket comes from here (a supervisor holding it across upgrades), not a bind. */
  readonly sockets?: SocketSource | undefined;
  /** The native addon's UDP fast path for the sessions' upstream sockets (native/udp-reply.cc), if any. */
  readonly native?: UdpAddon | undefined;
}

/** How a listener handles a client's first datagram, swapped as a whole on reload. */
export interface UdpPipeline {
  readonly policy: SessionPolicy;
  /** The pool for new sessions and the PROXY v2 header its targets get, if any. */
  readonly route: () =>
    { ctx: UdpPoolContext; idleMs: () => number; header?: (ip: string, port: number) => Buffer } | undefined;
}

/** Sweep resolution: idle expiry fires up to this late. */
const TICK_MS = 100;
const RECV_BUFFER = 4 * 1024 * 1024;
/** How often a stopping listener looks whether every request it read has its reply. */
const ANSWERED_POLL_MS = 20;

/**
 * One UDP address: the session table (client address:port → session), the listener socket every
 * reply leaves from, idle expiry on a coarse tick, and drops counted by reason.
 */
export class UdpListener implements SessionHost {
  readonly name: string;
  #settings: UdpListenerSettings;
  #pipeline: UdpPipeline;
  #sock: Socket | undefined;
  /** Set when the socket is the supervisor's, shared with the other generation at an upgrade. */
  #inherited: RawUdp | undefined;
  #handedOver = false;
  readonly #table: SessionTable<UdpSession>;
  readonly #sweeper: Sweeper;
  readonly #tickSet = new Set([{ sweep: (now: number) => this.#sweep(now) }]);
  #buffered = 0;
  #stopping = false;
  /**
   * Handed over (an upgrade): every datagram that still comes from the native engine was read
   * before, so a new client's opens a session here as it would have (else it would be lost).
   */
  #readBeforeHandOver = false;
  #native: NativeUdp | undefined;
  now = performance.now();
  /** The client address of the reply being sent: an address read from a datagram, no name. */
  #replyTo: string | undefined;
  /**
   * dgram resolves the address of every send on an unconnected socket with dns.lookup, which
   * answers even an IP literal a tick later (process.nextTick, a regular expression): a cost per
   * reply. A reply goes to the address its client's datagram came from, so it goes at once;
   * anything else (the bind address) is resolved as dgram would.
   */
  readonly #lookup = (
    address: string,
    options: LookupOneOptions | number,
    cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void => {
    if (address === this.#replyTo) return cb(null, address, typeof options === 'number' ? options : 4);
    dnsLookup(address, options as LookupOneOptions, cb);
  };

  constructor(
    settings: UdpListenerSettings,
    pipeline: UdpPipeline,
    readonly stats: UdpStats,
    private readonly observer: UdpObserver,
    private readonly log: Logger,
  ) {
    this.name = settings.name;
    this.#settings = settings;
    this.#pipeline = pipeline;
    this.#table = new SessionTable(() => this.#pipeline.policy);
    this.#sweeper = new Sweeper(() => this.#tickSet, TICK_MS);
  }

  get settings(): UdpListenerSettings {
    return this.#settings;
  }

  get native(): NativeUdp | undefined {
    return this.#native;
  }

  get maxQueued(): number {
    return this.#settings.maxBufferedBytes;
  }

  get port(): number {
    try {
      return this.#sock?.address().port ?? this.#settings.port;
    } catch {
      return this.#settings.port;
    }
  }

  get activeSessions(): number {
    return this.#table.size;
  }

  get bufferedBytes(): number {
    return this.#buffered;
  }

  sessions(): Iterable<UdpSession> {
    return this.#table.values();
  }

  setPipeline(p: UdpPipeline): void {
    this.#pipeline = p;
  }

  update(settings: UdpListenerSettings): void {
    this.#settings = settings;
    this.#native?.limit(settings.maxBufferedBytes);
  }

  async start(): Promise<void> {
    const s = this.#settings;
    const type = isIP(s.host) === 6 ? 'udp6' : 'udp4';
    // reusePort is not in Node 20's types (nor in its runtime before 22.12: udp-workers.ts).
    const inherited = await s.sockets?.acquire({ kind: 'udp', name: s.name, host: s.host, port: s.port });
    const sock = createSocket({
      type,
      lookup: this.#lookup as never, // dgram calls it as lookup(address, family, cb)
      ...(s.reusePort === true ? { reusePort: true } : {}),
    } as { type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        const why =
          e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
        reject(new ListenError(`cannot listen on udp ${formatHostPort(s)}: ${why}`, e));
      };
      sock.once('error', onError);
      const bound = (): void => {
        sock.off('error', onError);
        resolve();
      };
      // dgram takes a raw UDP handle as it takes one from node:cluster's primary (not in @types/node).
      if (inherited) sock.bind(inherited.handle as never, bound);
      else sock.bind({ address: s.host, port: s.port, exclusive: s.exclusive === true || s.reusePort === true }, bound);
    });
    try {
      sock.setRecvBufferSize(RECV_BUFFER); // bursts of many clients; the kernel caps it at rmem_max
    } catch {
      // keep the default
    }
    sock.on('error', (e: NodeJS.ErrnoException) =>
      this.log.warn({ listener: this.name, err: e.code ?? e.message }, 'udp socket error'),
    );
    sock.on('message', (msg, r) => this.#onMessage(msg, r.address, r.port));
    this.#sock = sock;
    this.#inherited = inherited?.handle as RawUdp | undefined;
    const fd = s.native ? udpSocketFd(sock) : -1;
    if (s.native && fd >= 0) this.#startNative(new NativeUdp(s.native, fd), sock);
  }

  /**
   * The engine reads the listener's socket (native/udp-receive.cc): established sessions'
   * datagrams go out without JavaScript; the rest comes to #onMessage as from dgram.
   */
  #startNative(native: NativeUdp, sock: Socket): void {
    this.#native = native;
    native.limit(this.#settings.maxBufferedBytes); // new clients' datagrams waiting for JavaScript
    const handle = udpHandle(sock);
    const r = handle
      ? native.receive(handle, (msg, ip, port, truncated) => {
          try {
            if (truncated) return this.#count('too_large', `${ip}:${port}: truncated at ${msg.length} bytes`);
            this.#onMessage(msg, ip, port);
          } catch (e) {
            this.log.error(
              { listener: this.name, err: e instanceof Error ? e.message : String(e) },
              'udp datagram failed',
            );
          }
        })
      : -1;
    if (r !== 0) this.log.warn({ listener: this.name, err: r }, 'udp: the listener socket stays read by dgram');
  }

  #onMessage(msg: Buffer, ip: string, port: number): void {
    let s = this.#table.get(ip, port);
    if (!s) {
      if (this.#stopping && !this.#readBeforeHandOver) return this.#count('shutdown', 'listener stopping');
      s = this.#open(ip, port);
      if (!s) return;
    }
    this.stats.traffic.datagramsFromClient++;
    this.stats.traffic.bytesFromClient += msg.length;
    s.forward(msg);
  }

  #open(ip: string, port: number): UdpSession | undefined {
    const refused = this.#table.admit(ip);
    if (refused) return this.#count(refused.reason, `${ip}:${port}: ${refused.detail}`);
    const route = this.#pipeline.route();
    if (!route) {
      this.#table.release(ip);
      return this.#count('no_healthy_target', `${ip}:${port}: no pool`);
    }
    this.now = performance.now();
    const s = new UdpSession(ip, port, route.ctx, this, route.header?.(ip, port), route.idleMs);
    if (!s.pick()) {
      this.#table.release(ip);
      return this.#count('no_healthy_target', `${ip}:${port}: pool ${route.ctx.name} has no target for ${ip}`);
    }
    this.#table.add(ip, port, s);
    this.stats.sessionsTotal++;
    this.#sweeper.wake();
    return s;
  }

  #count(reason: UdpDropReason, detail: string): undefined {
    countDrop(this.stats.drops, reason);
    this.observer.onUdpDrop?.(this.name, reason, detail);
    return undefined;
  }

  // SessionHost
  reply(msg: Buffer, port: number, ip: string): void {
    const sock = this.#sock;
    if (!sock) return;
    if (sock.getSendQueueSize() + msg.length > this.#settings.maxBufferedBytes) {
      this.#count('buffer_full', 'reply queue full');
      return;
    }
    this.stats.traffic.datagramsToClient++;
    this.stats.traffic.bytesToClient += msg.length;
    this.#replyTo = ip;
    sock.send(msg, port, ip);
    this.#replyTo = undefined;
  }

  replied(datagrams: number, bytes: number): void {
    this.stats.traffic.datagramsToClient += datagrams;
    this.stats.traffic.bytesToClient += bytes;
  }

  received(datagrams: number, bytes: number): void {
    this.stats.traffic.datagramsFromClient += datagrams;
    this.stats.traffic.bytesFromClient += bytes;
  }

  reserve(bytes: number): boolean {
    if (this.#buffered + bytes > this.#settings.maxBufferedBytes) return false;
    this.#buffered += bytes;
    return true;
  }

  free(bytes: number): void {
    this.#buffered -= bytes;
  }

  drop(reason: UdpDropReason, s: UdpSession, detail: string): void {
    if (s.target) countDrop(this.#targetStats(s.ctx.name, s.target.id).drops, reason);
    this.#count(reason, `${s.clientIp}:${s.clientPort}: ${detail}`);
  }

  #targetStats(pool: string, target: TargetId): TargetUdpStats {
    let byTarget = this.stats.targets.get(pool);
    if (!byTarget) this.stats.targets.set(pool, (byTarget = new Map<string, TargetUdpStats>()));
    let t = byTarget.get(target);
    if (!t) byTarget.set(target, (t = { sessionsTotal: 0, traffic: noTraffic(), drops: new Map() }));
    return t;
  }

  targetTraffic(pool: string, target: TargetId, started: boolean): Traffic {
    const t = this.#targetStats(pool, target);
    if (started) t.sessionsTotal++;
    return t.traffic;
  }

  ended(s: UdpSession, end: UdpSessionEnd): void {
    this.#table.delete(s.clientIp, s.clientPort);
    this.observer.onUdpSessionEnd(end);
  }

  /** Brings in what the native path did for every session (replies, drops), for a reader of the counters. */
  sync(): void {
    if (!this.#native) return;
    this.#syncDropped();
    for (const s of this.#table.values()) s.sync();
  }

  /** New clients' datagrams the engine dropped while JavaScript was busy (maxBufferedBytes waiting). */
  #syncDropped(): void {
    const dropped = this.#native?.dropped() ?? 0;
    for (let i = 0; i < dropped; i++) this.#count('buffer_full', 'too many datagrams waiting for JavaScript');
  }

  /** The targets' state changed: sessions that must move are handed back to JavaScript now. */
  reroute(): void {
    if (this.#native) for (const s of this.#table.values()) s.reroute();
  }

  /** Every session had as many datagrams back to its client as it forwarded (request, reply). */
  #answered(): boolean {
    for (const s of this.#table.values()) {
      s.sync();
      if (s.traffic.datagramsToClient < s.traffic.datagramsFromClient) return false;
    }
    return true;
  }

  #sweep(now: number): void {
    this.now = now;
    this.#syncDropped(); // (a reader of the counters brings them in too: the sweep stops without sessions)
    for (const s of this.#table.values()) {
      s.sync(); // the native path's replies: counters, and the session's last datagram
      const idleMs = s.idleMs();
      if (idleMs > 0 && now - s.seen >= idleMs) s.end('idle_timeout');
    }
  }

  /** A graceful shutdown began: sessions open go on; a new client's datagrams are dropped (`shutdown`). */
  stopAdmitting(): void {
    this.#stopping = true;
  }

  /**
   * An upgrade: the next generation reads the same socket (the supervisor's). This one stops
   * reading it at once, so that every datagram from now on goes there, not to a session here or
   * to a drop; the sessions here still forward their targets' replies until `stop`.
   */
  handOver(): void {
    this.#stopping = true;
    this.#readBeforeHandOver = this.#native !== undefined;
    this.#native?.stopReceiving();
    this.#handedOver = this.#inherited?.recvStop() === 0;
  }

  /**
   * Ends every session with `reason` and closes the socket. After `handOver`, it first lets the
   * targets answer what this generation read (up to `graceMs`): no datagram is lost at an upgrade.
   */
  async stop(reason: CloseReason = 'shutdown', graceMs = 0): Promise<void> {
    this.#stopping = true;
    const until = performance.now() + graceMs;
    while (this.#handedOver && performance.now() < until && !this.#answered())
      await new Promise((resolve) => setTimeout(resolve, ANSWERED_POLL_MS));
    this.#sweeper.stop();
    for (const s of [...this.#table.values()]) s.end(reason);
    this.#native?.destroy();
    this.#native = undefined;
    const sock = this.#sock;
    this.#sock = undefined;
    if (sock) await new Promise<void>((resolve) => sock.close(() => resolve()));
  }
}
