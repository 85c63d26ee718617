import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { CloseReason } from '../core/close-reason.js';
import type { TargetId } from '../core/types.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { QueueTicket, Waiter } from '../pool/slot-queue.js';
import type { Target } from '../pool/target.js';
import { errnoName, nativeEndReason, type NativeEnd, type NativeRelay, type NativeRelayed } from './native-relay.js';
import { resumeReading } from './node-internals.js';
import { closeAfterFlush, passFailure, relay, unrelay, type RelaySink } from './relay.js';
import { noteConnected, noteConnectFailure, noteSessionEnd } from './session-steps.js';
import type { PoolContext, SessionObserver } from './session-types.js';
import type { Sweepable } from './sweeper.js';
import { IdleClock } from './idle-clock.js';

// Event handlers are shared by every session (no closures per connection); each socket carries
// its session.
const kSession = Symbol('session');
interface SessionSocket extends Socket {
  [kSession]?: Session;
}

export interface SessionOwner {
  readonly listenerName: string;
  readonly observer: SessionObserver;
  /** The native relay to try for new sessions (undefined: relay in JavaScript). */
  readonly nativeRelay?: NativeRelay | undefined;
  onSessionClosed(s: Session): void;
}

/**
 * One client connection: pick a target, dial it (retrying on others), then relay bytes both
 * ways with backpressure and half-close until both sides are done. Every outcome ends in a
 * CloseReason; nothing a peer does throws.
 */
export class Session implements RelaySink, NativeRelayed, Sweepable {
  readonly clientIp: string;
  readonly startedAt = performance.now();
  #upstream: SessionSocket | undefined;
  #target: Target | undefined;
  #tried: Set<TargetId> | undefined;
  /** What the relay writes upstream before the client's bytes (a PROXY header), if the dialer did not. */
  #prelude: Buffer | undefined;
  /** The native relay was given bytes to send first (it does not count them). */
  #handedHead = false;
  #attempts = 0;
  /** A DOWN target was tried as the last resort. */
  #panic = false;
  #connectMs: number | undefined;
  #reason: CloseReason | undefined;
  #firstEnd: 'client' | 'backend' | undefined;
  #clientClosed = false;
  #upstreamClosed = true;
  #finished = false;
  /** Waiting in the pool queue for a target slot. */
  #queued: QueueTicket | undefined;
  /** The upstream socket is still connecting (since #dialedAt). */
  #connecting = false;
  #dialedAt = 0;
  /** Idle timeout bookkeeping, checked by sweep(): client bytes read + written, and since when. */
  readonly #idle = new IdleClock();
  /** The native relay owns both sockets (handle), and the client bytes it moved. */
  #native: NativeRelay | undefined;
  #nativeHandle = 0;
  #nativeIn = 0;
  #nativeOut = 0;
  /** The reason to end with when no target can be tried (a session continued from native accept). */
  #startReason: CloseReason = 'no_healthy_target';

  constructor(
    readonly client: Socket,
    readonly ctx: PoolContext,
    readonly owner: SessionOwner,
    readonly info: ConnInfo,
    /** Client bytes already read by inspectors: forwarded first. */
    private head?: Buffer,
    /** The client sent FIN during inspection. */
    private readonly clientEnded = false,
  ) {
    this.clientIp = info.clientIp;
    (client as SessionSocket)[kSession] = this;
    client.on('error', Session.#onClientError);
    client.on('close', Session.#onClientClose);
    if (clientEnded) this.#firstEnd = 'client';
  }

  static #onClientError(this: SessionSocket, e: NodeJS.ErrnoException): void {
    const s = this[kSession]!;
    s.#reason ??= passFailure(e, s.#upstream) ? 'client_reset' : 'client_error';
  }

  static #onClientClose(this: SessionSocket): void {
    const s = this[kSession]!;
    s.#clientClosed = true;
    s.#releaseNative();
    s.#queued?.cancel();
    const up = s.#upstream;
    if (up && !s.#upstreamClosed) {
      if (s.#connecting)
        up.destroy(); // gave up while dialing
      else closeAfterFlush(up); // nothing more can reach the client
    }
    s.#maybeFinish();
  }

  onRelayEnd(side: Socket): void {
    this.#firstEnd ??= side === this.client ? 'client' : 'backend';
  }

  get target(): Target | undefined {
    return this.#target;
  }

  start(): void {
    this.#attempt(this.#startReason);
  }

  /**
   * Before start(): continues a natively accepted connection (src/proxy/native-session.ts) that
   * made `attempts` attempts, with the targets that failed and the reason of the last failure.
   */
  continueFrom(attempts: number, tried: Set<TargetId> | undefined, failReason: CloseReason): void {
    this.#attempts = attempts;
    this.#tried = tried;
    this.#startReason = failReason;
  }

  /** Ends the session at once (drain deadline, admin kill). */
  kill(reason: CloseReason): void {
    this.#reason ??= reason;
    this.#releaseNative(); // before the descriptors close: the relay thread must let go first
    this.#upstream?.destroy();
    this.client.destroy();
  }

  #attempt(failReason: CloseReason): void {
    if (this.#clientClosed) return;
    const { pool } = this.ctx;
    const canTry = this.#attempts <= this.ctx.settings.retries;
    const target = canTry ? pool.select({ clientIp: this.clientIp, exclude: this.#tried }) : undefined;
    if (target) return this.#dial(target);
    // Every target it may use is full: wait for a slot (the client stays unread meanwhile).
    const queued = canTry ? pool.enqueue(this.#waiter(), this.#tried) : undefined;
    if (typeof queued === 'object') return void (this.#queued = queued);
    // Nothing eligible is left to try: a DOWN target is the last resort before refusing (panic).
    const down = canTry && queued === undefined ? pool.selectDown(this.#tried) : undefined;
    if (down) {
      this.#panic = true;
      this.owner.observer.onPanic?.(pool.name, down.id, pool.notePanic());
      return this.#dial(down);
    }
    this.#reason = queued ?? (this.#panic ? 'panic' : failReason);
    // A reset is passed on as a reset (a TLS socket cannot send one).
    if (this.#reason === 'backend_reset' && !(this.client instanceof TLSSocket)) this.client.resetAndDestroy();
    else this.client.destroy();
  }

  #waiter(): Waiter {
    return {
      retry: () => {
        const target = this.ctx.pool.select({ clientIp: this.clientIp, exclude: this.#tried });
        if (target) this.#dial(target);
        return target !== undefined;
      },
      onTimeout: () => this.kill('queue_timeout'),
    };
  }

  #dial(target: Target): void {
    const { pool } = this.ctx;
    this.#queued = undefined;
    this.#attempts++;
    this.#target = target;
    pool.acquire(target);
    const prelude = this.ctx.prelude?.(this.info, target);
    const up: SessionSocket = this.ctx.dialer(target.spec, prelude);
    up[kSession] = this;
    // A TLS dialer has sent the prelude itself, before its handshake (see Dialer).
    this.#prelude = up instanceof TLSSocket ? undefined : prelude;
    this.#upstream = up;
    this.#upstreamClosed = false;
    this.#connecting = true;
    this.#dialedAt = performance.now();
    up.on('error', Session.#onUpstreamError);
    // A TLS upstream counts as connected once its handshake is done: the connect timeout covers it.
    up.on(up instanceof TLSSocket ? 'secureConnect' : 'connect', Session.#onUpstreamConnect);
    up.on('close', Session.#onUpstreamClose);
  }

  /**
   * The current attempt's socket failed to connect: release its target and try another.
   * `failReason`: the close reason when no other target is left.
   */
  #connectFailed(reason: 'connect_failed' | 'connect_timeout', detail: string, failReason: CloseReason = reason): void {
    const up = this.#upstream!;
    const target = this.#target!;
    this.#connecting = false;
    up[kSession] = undefined; // its later events are not this session's any more
    up.destroy();
    this.#upstreamClosed = true;
    this.#upstream = undefined;
    this.#target = undefined;
    this.#tried = noteConnectFailure(this.ctx, this.owner.observer, target, reason, detail, this.#tried);
    this.#attempt(failReason);
  }

  /**
   * The backend failed before a byte went either way, as a backend that dies resets the
   * connections still in its accept queue: nothing reached it, so this is a failed connect, and
   * the client gets another target (`retries`, never this one). HAProxy retries only connects
   * that fail, and loses these clients. Not when bytes moved: a request may have been executed.
   */
  #redial(detail: string): void {
    this.#connecting = true; // for #connectFailed: this attempt never carried a byte
    this.#connectFailed('connect_failed', `${detail} before any byte`, 'backend_reset');
  }

  /** Nothing went to the backend or came from it, and the client is still there to redial for. */
  #untouched(up: Socket): boolean {
    return (
      !this.#clientClosed &&
      !this.#handedHead &&
      up.bytesRead === 0 &&
      up.bytesWritten === 0 &&
      this.client.bytesWritten === 0 &&
      !this.client.destroyed
    );
  }

  static #onUpstreamError(this: SessionSocket, e: NodeJS.ErrnoException): void {
    const s = this[kSession];
    if (!s) return;
    if (s.#connecting) return s.#connectFailed('connect_failed', `connect ${e.code ?? e.message}`);
    if (!s.#native && s.#untouched(this)) {
      unrelay(s.client);
      return s.#redial(e.code ?? e.message);
    }
    s.#reason ??= passFailure(e, s.client) ? 'backend_reset' : 'backend_error';
  }

  static #onUpstreamConnect(this: SessionSocket): void {
    const s = this[kSession];
    if (!s) return;
    s.#connecting = false;
    const target = s.#target!;
    s.#connectMs = performance.now() - s.startedAt;
    noteConnected(s.ctx, s.owner.observer, target, s.#connectMs);
    s.#relay(this);
  }

  static #onUpstreamClose(this: SessionSocket): void {
    const s = this[kSession];
    if (!s) return;
    s.#upstreamClosed = true;
    s.#releaseNative();
    // The backend is gone: flush what it sent, then close; the client can send nothing more.
    if (!s.#clientClosed) closeAfterFlush(s.client);
    s.#maybeFinish();
  }

  #relay(up: Socket): void {
    const prelude = this.#prelude;
    const head = this.head;
    this.head = undefined;
    // One write, header first: a backend reading a PROXY header must never see it split from data.
    const parts = [prelude, head].filter((b): b is Buffer => b !== undefined && b.length > 0);
    const first = parts.length > 1 ? Buffer.concat(parts) : parts[0];
    const native = this.owner.nativeRelay;
    const handle = native?.take(this.client, up, first, this);
    if (handle !== undefined) {
      this.#handedHead = first !== undefined;
      this.#native = native;
      this.#nativeHandle = handle;
      return;
    }
    if (first) up.write(first);
    relay(this.client, up, this, this.clientEnded);
  }

  /** The native relay is done with both sockets: record how, then close them (RST already armed). */
  onNativeEnd(end: NativeEnd): void {
    this.#native = undefined;
    const up = this.#upstream;
    if (end.failed === 'backend' && end.untouched && up && this.#untouched(up)) {
      // The client's bytes wait, unread, for the next target's relay (native or not).
      this.client.pause();
      resumeReading(this.client, null);
      return this.#redial(errnoName(end.errno));
    }
    this.#nativeIn = end.fromClient;
    this.#nativeOut = end.toClient;
    if (end.firstEnd) this.#firstEnd ??= end.firstEnd;
    this.#reason ??= nativeEndReason(end);
    this.#upstream?.destroy();
    // Untouched, the relay left the reset to pass on to us (see NativeEnd.untouched).
    if (end.untouched && end.reset && end.failed === 'backend') this.client.resetAndDestroy();
    else this.client.destroy();
  }

  #releaseNative(): void {
    const native = this.#native;
    if (!native) return;
    this.#native = undefined;
    [this.#nativeIn, this.#nativeOut] = native.release(this.#nativeHandle);
  }

  /** Bytes read from the client so far (by Node and by the native relay). */
  get bytesFromClient(): number {
    const native = this.#native;
    return this.client.bytesRead + (native ? native.counts(this.#nativeHandle)[0] : this.#nativeIn);
  }

  /** Bytes written to the client so far. */
  get bytesToClient(): number {
    const native = this.#native;
    return this.client.bytesWritten + (native ? native.counts(this.#nativeHandle)[1] : this.#nativeOut);
  }

  /** Connect and idle deadlines, checked on the owner's coarse tick instead of a timer per socket. */
  sweep(now: number): void {
    const { connectTimeoutMs, idleTimeoutMs } = this.ctx.settings;
    if (this.#connecting) {
      if (now - this.#dialedAt >= connectTimeoutMs)
        this.#connectFailed('connect_timeout', `connect timeout after ${connectTimeoutMs}ms`);
      return;
    }
    // Idleness is tracked without an idle timeout too: a drain deadline closes the idle first.
    if (this.#connectMs === undefined || this.#finished) return;
    // Client-side bytes cover both directions: every relayed byte is read or written there.
    const native = this.#native;
    const bytes =
      this.client.bytesRead +
      this.client.bytesWritten +
      (native ? native.activity(this.#nativeHandle) : this.#nativeIn + this.#nativeOut);
    if (this.#idle.idleFor(bytes, now, idleTimeoutMs)) this.kill('idle_timeout');
  }

  /** When it last moved a byte, as of the last sweep (0: not yet connected or not yet swept). */
  get idleSince(): number {
    return this.#idle.since;
  }

  #maybeFinish(): void {
    if (this.#finished || !this.#clientClosed || !this.#upstreamClosed) return;
    this.#finished = true;
    noteSessionEnd(this.ctx, this.owner.observer, {
      listener: this.owner.listenerName,
      info: this.info,
      target: this.#target,
      fromClient: this.bytesFromClient,
      toClient: this.bytesToClient,
      startedAt: this.startedAt,
      connectMs: this.#connectMs,
      attempts: this.#attempts,
      reason: this.#reason,
      firstEnd: this.#firstEnd,
    });
    this.owner.onSessionClosed(this);
  }
}
