import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { CloseReason } from '../core/close-reason.js';
import type { TargetId } from '../core/types.js';
import type { PassiveHealth } from '../health/health-control.js';
import { isLocalError } from '../health/probe.js';
import type { Pool } from '../pool/pool.js';
import type { Target } from '../pool/target.js';
import { errnoName } from '../proxy/native-relay.js';
import { isSendFull, SEND_REFUSED, TAKEN, type NativeUdp } from './native-udp.js';
import {
  countDatagram,
  MAX_DATAGRAM,
  noTraffic,
  type Traffic,
  type UdpDropReason,
  type UdpSessionEnd,
} from './udp-types.js';

/** What a UDP session needs of its pool (a PoolRuntime is one). */
export interface UdpPoolContext {
  readonly name: string;
  readonly pool: Pick<Pool, 'select' | 'acquire' | 'release' | 'hasEligible'>;
  readonly health: PassiveHealth;
}

/** What a session needs of its listener: the way back to the client, time, the buffer budget. */
export interface SessionHost {
  readonly name: string;
  /** Coarse time (ms), advanced by the listener's sweep tick: no clock read per datagram. */
  readonly now: number;
  /** Sends a target's reply to the client from the listener's own socket. */
  reply(msg: Buffer, port: number, ip: string): void;
  /** Takes `bytes` from the listener's buffer budget; false (nothing taken) when it is spent. */
  reserve(bytes: number): boolean;
  free(bytes: number): void;
  /** Largest send queue a socket may hold (the same budget bounds each kernel queue). */
  readonly maxQueued: number;
  /** The native fast path, when the addon is loaded (relay: auto or native). */
  readonly native: NativeUdp | undefined;
  /** Replies the native path sent to the client, for the listener's counters. */
  replied(datagrams: number, bytes: number): void;
  /** The client's datagrams the native path read and forwarded (or dropped), for the listener's counters. */
  received(datagrams: number, bytes: number): void;
  drop(reason: UdpDropReason, s: UdpSession, detail: string): void;
  /** Per-target counters, kept by the listener's stats. */
  targetTraffic(pool: string, target: TargetId, started: boolean): Traffic;
  ended(s: UdpSession, end: UdpSessionEnd): void;
}

/**
 * One client address:port: its target, and a connected upstream socket of its own, so that the
 * target's replies are known to be this client's. Datagrams go one by one (never merged or split);
 * while the socket opens they wait within the listener's budget, or are dropped.
 */
export class UdpSession {
  target: Target | undefined;
  #sock: Socket | undefined;
  #ready = false;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The target answered with port unreachable: the next datagram tries another. */
  #refused = false;
  #ended = false;
  seen: number;
  readonly #started: number;
  readonly traffic: Traffic = noTraffic();
  /** Traffic since the current target was acquired (released to it when the session moves or ends). */
  #segment: Traffic = noTraffic();
  #targetTraffic: Traffic = noTraffic();
  #moves = 0;
  /** The upstream socket in the native fast path (its slot in `#native`), or -1: a dgram socket. */
  #slot = -1;
  #native: NativeUdp | undefined;
  /** The native engine forwards the client's datagrams itself (else they come to `forward`). */
  #registered = false;
  #answered = false;
  /** The native socket could not open (out of descriptors): this datagram is dropped. */
  #openFailed = false;

  constructor(
    readonly clientIp: string,
    readonly clientPort: number,
    readonly ctx: UdpPoolContext,
    private readonly host: SessionHost,
    /** Prefixed to every datagram to the target (PROXY v2 over UDP). */
    private readonly header: Buffer | undefined,
    /** The pool's idleTimeout, read live (a reload can change it); 0: never. */
    readonly idleMs: () => number,
  ) {
    this.seen = host.now;
    this.#started = Date.now();
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Picks a target (none tried in `exclude`); false when the pool has none for this client. */
  pick(exclude?: ReadonlySet<TargetId>): boolean {
    const t = this.ctx.pool.select({ clientIp: this.clientIp, exclude });
    if (!t) return false;
    this.ctx.pool.acquire(t);
    this.target = t;
    this.#targetTraffic = this.host.targetTraffic(this.ctx.name, t.id, true);
    this.#open(t);
    return true;
  }

  /** A datagram from the client. */
  forward(msg: Buffer): void {
    this.seen = this.host.now;
    const t = this.target;
    if (!t || this.#refused || !t.eligible) {
      if (!this.#move()) return this.host.drop('no_healthy_target', this, 'no target for this session');
    }
    const size = msg.length + (this.header?.length ?? 0);
    if (size > MAX_DATAGRAM) return this.host.drop('too_large', this, `${size} bytes with the PROXY header`);
    if (this.#slot >= 0) {
      const r = this.#native!.send(this.#slot, msg);
      // not sent: the target refused an earlier datagram; counted as the dgram socket's error, then moved
      if (r === SEND_REFUSED) {
        this.#refusedBy(this.target!);
        return this.forward(msg);
      }
      this.#count(msg.length, true);
      if (r !== 0) this.#sendFailed(r);
      // forgotten while its target was down or refused, and it stays: the engine forwards again
      if (!this.#registered) this.#registered = this.#native!.register(this.#slot);
      return;
    }
    this.#count(msg.length, true);
    if (this.#openFailed) return this.host.drop('send_error', this, 'upstream socket failed');
    if (!this.#ready) {
      if (!this.host.reserve(msg.length)) return this.host.drop('buffer_full', this, 'waiting for the upstream socket');
      this.#pending.push(msg);
      this.#pendingBytes += msg.length;
      return;
    }
    this.#send(msg);
  }

  #sendFailed(r: number): void {
    if (isSendFull(r)) return this.host.drop('buffer_full', this, 'upstream send queue full');
    this.host.drop('send_error', this, `${this.target?.id}: ${errnoName(-r)}`);
  }

  /** ICMP port unreachable from the target: a passive failure; the next datagram moves to another target. */
  #refusedBy(t: Target): void {
    this.#refused = true;
    this.ctx.health.reportConnectFailure(t.id, 'port unreachable');
    this.host.drop('port_unreachable', this, `${t.id} port unreachable`);
  }

  /**
   * Brings in what the native path did since the last look: the client's datagrams it forwarded
   * or dropped, replies sent and dropped, refusals, the time of the last datagram. A session that
   * must move (its target down, removed or refusing) is unregistered: its next datagram comes to
   * `forward`, which moves it.
   */
  sync(): void {
    if (this.#slot < 0) return;
    const n = this.#native!.take(this.#slot);
    const t = this.target;
    if (!n || !t) return;
    this.#syncFromClient(n);
    const datagrams = n[TAKEN.datagrams]!;
    const bytes = n[TAKEN.bytes]!;
    const [full, errors, refused] = [n[TAKEN.full]!, n[TAKEN.errors]!, n[TAKEN.refused]!];
    const age = n[TAKEN.ageMs]!;
    if (age >= 0) this.seen = Math.max(this.seen, performance.now() - age);
    if (datagrams > 0) {
      if (!this.#answered) {
        this.#answered = true;
        this.ctx.health.reportConnectSuccess(t.id);
      }
      for (const c of [this.traffic, this.#segment, this.#targetTraffic]) {
        c.datagramsToClient += datagrams;
        c.bytesToClient += bytes;
      }
      this.host.replied(datagrams, bytes);
    }
    for (let i = 0; i < full; i++) this.host.drop('buffer_full', this, 'reply queue full');
    for (let i = 0; i < errors; i++) this.host.drop('send_error', this, `${t.id}: reply not sent`);
    for (let i = 0; i < refused; i++) this.#refusedBy(t);
    this.reroute();
  }

  /**
   * A session that must move (its target down, removed, drained or refusing) is unregistered from
   * the native engine: its next datagram comes to `forward`, which moves it. Called on the sweep
   * and when the targets' state changes (UdpPlane.targetsChanged).
   */
  reroute(): void {
    if (this.#registered && (this.#refused || !this.target?.eligible)) {
      this.#native!.forget(this.#slot);
      this.#registered = false;
    }
  }

  /** The client's datagrams the engine read and sent (or dropped: send buffer full, an error). */
  #syncFromClient(n: Float64Array): void {
    const datagrams = n[TAKEN.inDatagrams]!;
    if (datagrams === 0) return;
    const bytes = n[TAKEN.inBytes]!;
    for (const c of [this.traffic, this.#segment, this.#targetTraffic]) {
      c.datagramsFromClient += datagrams;
      c.bytesFromClient += bytes;
    }
    this.host.received(datagrams, bytes);
    for (let i = 0; i < n[TAKEN.inFull]!; i++) this.host.drop('buffer_full', this, 'upstream send queue full');
    for (let i = 0; i < n[TAKEN.inErrors]!; i++) this.host.drop('send_error', this, `${this.target?.id}: not sent`);
  }

  #send(msg: Buffer): void {
    const sock = this.#sock!;
    if (sock.getSendQueueSize() + msg.length > this.host.maxQueued)
      return this.host.drop('buffer_full', this, 'upstream send queue full');
    if (this.header) sock.send([this.header, msg]);
    else sock.send(msg);
  }

  /** The session's, its current target segment's and the target's counters: no array per datagram. */
  #count(bytes: number, fromClient: boolean): void {
    countDatagram(this.traffic, bytes, fromClient);
    countDatagram(this.#segment, bytes, fromClient);
    countDatagram(this.#targetTraffic, bytes, fromClient);
  }

  #open(t: Target): void {
    this.#openFailed = false;
    this.#answered = false;
    const native = this.host.native;
    if (native && isIP(t.spec.host) !== 0) return this.#openNative(native, t);
    const sock = createSocket({ type: isIP(t.spec.host) === 6 ? 'udp6' : 'udp4' });
    this.#sock = sock;
    this.#ready = false;
    sock.on('message', (msg) => {
      if (sock !== this.#sock) return;
      this.seen = this.host.now;
      if (!this.#answered) {
        this.#answered = true;
        this.ctx.health.reportConnectSuccess(t.id);
      }
      this.#count(msg.length, false);
      this.host.reply(msg, this.clientPort, this.clientIp);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (sock !== this.#sock) return;
      if (e.code === 'ECONNREFUSED') return this.#refusedBy(t);
      if (!this.#ready) {
        // The socket could not open: out of descriptors here (EMFILE) is no failure of the target.
        if (!isLocalError(e)) this.ctx.health.reportConnectFailure(t.id, `udp ${e.code ?? e.message}`);
        this.#refused = true;
        this.#flushPending(false);
        return;
      }
      this.host.drop('send_error', this, `${t.id}: ${e.code ?? e.message}`);
    });
    sock.connect(t.spec.port, t.spec.host, () => {
      if (sock !== this.#sock) return;
      this.#ready = true;
      this.#flushPending(true);
    });
  }

  /** The connect of a UDP socket is local (no packet): the socket is ready, or failed, at once. */
  #openNative(native: NativeUdp, t: Target): void {
    const slot = native.open(t.spec.host, t.spec.port, this.clientIp, this.clientPort, this.header);
    if (slot >= 0) {
      this.#slot = slot;
      this.#native = native;
      this.#registered = true; // udpOpen registers the client's address
      this.#ready = true;
      return;
    }
    // As a dgram socket that fails to open: out of descriptors here is no failure of the target.
    const code = errnoName(-slot);
    if (!isLocalError({ code } as NodeJS.ErrnoException)) this.ctx.health.reportConnectFailure(t.id, `udp ${code}`);
    this.#refused = true;
    this.#openFailed = true;
  }

  #flushPending(send: boolean): void {
    const pending = this.#pending;
    this.host.free(this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const msg of pending) {
      if (send) this.#send(msg);
      else this.host.drop('send_error', this, 'upstream socket failed');
    }
  }

  /** To another target: the old one is released (its sessions move as they speak again). */
  #move(): boolean {
    const old = this.target;
    const exclude = old && this.#refused ? new Set([old.id]) : undefined;
    this.#closeUpstream();
    this.#refused = false;
    if (this.pick(exclude)) {
      if (old) this.#moves++;
      return true;
    }
    // The refused target may be the only one: try it again rather than drop everything.
    return exclude !== undefined && this.pick();
  }

  #closeUpstream(): void {
    if (this.#pendingBytes > 0) this.#flushPending(false);
    if (this.#slot >= 0) {
      this.sync(); // its last replies count for this target
      this.#native!.close(this.#slot);
      this.#slot = -1;
      this.#registered = false;
      this.#native = undefined;
    }
    const sock = this.#sock;
    this.#sock = undefined;
    this.#ready = false;
    if (sock) sock.close();
    if (this.target) {
      this.ctx.pool.release(this.target, this.#segment.bytesFromClient, this.#segment.bytesToClient);
      this.target = undefined;
    }
    this.#segment = noTraffic();
  }

  end(reason: CloseReason): void {
    if (this.#ended) return;
    this.#ended = true;
    const target = this.target?.id;
    this.#closeUpstream();
    this.host.ended(this, {
      listener: this.host.name,
      pool: this.ctx.name,
      protocol: 'udp',
      client: this.clientIp,
      clientPort: this.clientPort,
      target,
      moves: this.#moves,
      ...this.traffic,
      durationMs: Date.now() - this.#started,
      reason,
    });
  }
}
