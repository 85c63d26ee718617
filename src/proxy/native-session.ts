import { isIP, Socket } from 'node:net';
import type { CloseReason } from '../core/close-reason.js';
import type { TargetId } from '../core/types.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { Target } from '../pool/target.js';
import { errnoName, nativeEndReason, type NativeAccepted, type NativeEnd, type NativeRelay } from './native-relay.js';
import { noteConnected, noteConnectFailure, noteSessionEnd } from './session-steps.js';
import type { PoolContext, SessionObserver } from './session-types.js';
import type { Sweepable } from './sweeper.js';
import { IdleClock } from './idle-clock.js';

// Why: a new connection through Node costs two net.Socket objects (each with two stream states),
// libuv's epoll re-arming, getpeername/getsockopt and several callbacks and ticks at connect and
// close: about half the CPU of a short connection (docs/benchmarks.md, issue 15). With native
// accept, the relay thread accepts, connects and relays; this object only makes the decisions a
// JavaScript Session makes (target, retries, timeouts) and writes the same access-log line.

export interface NativeSessionOwner {
  readonly listenerName: string;
  readonly observer: SessionObserver;
  onSessionClosed(s: NativeSession): void;
  /**
   * No target can be dialed natively (all full: the queue; none eligible: a DOWN one or a refusal;
   * a host name): a JavaScript Session continues from here with the client's socket.
   */
  continueInJs(
    s: NativeSession,
    sock: Socket,
    attempts: number,
    tried: Set<TargetId> | undefined,
    why: CloseReason,
  ): void;
}

/** A plain TCP connection accepted by the native relay: connected and relayed there, decided here. */
export class NativeSession implements NativeAccepted, Sweepable {
  readonly clientIp: string;
  readonly startedAt = performance.now();
  #target: Target | undefined;
  #tried: Set<TargetId> | undefined;
  #attempts = 0;
  /** Connects started in the relay thread: its connect events carry this number. */
  #dials = 0;
  #connecting = false;
  #dialedAt = 0;
  #connectMs: number | undefined;
  #reason: CloseReason | undefined;
  #firstEnd: 'client' | 'backend' | undefined;
  /** The relay thread still holds the connection (else #in/#out are final). */
  #live = true;
  #in = 0;
  #out = 0;
  readonly #idle = new IdleClock();
  #finished = false;

  constructor(
    readonly handle: number,
    readonly relay: NativeRelay,
    readonly ctx: PoolContext,
    readonly owner: NativeSessionOwner,
    readonly info: ConnInfo,
    private readonly keepAliveMs: number,
    /** Told when the connection closes (the admission's release), unless JavaScript takes it over. */
    readonly onClose?: () => void,
  ) {
    this.clientIp = info.clientIp;
    relay.adopt(handle, this);
  }

  get target(): Target | undefined {
    return this.#target;
  }

  start(): void {
    this.#attempt('no_healthy_target');
  }

  #attempt(failReason: CloseReason): void {
    const canTry = this.#attempts <= this.ctx.settings.retries;
    const target = canTry ? this.ctx.pool.select({ clientIp: this.clientIp, exclude: this.#tried }) : undefined;
    if (target && isIP(target.spec.host) !== 0) return this.#dial(target);
    if (!canTry) {
      // No attempt left (a JavaScript Session would neither queue nor try a DOWN target): closed
      // here as Session closes it, a reset passed on as a reset, else a FIN.
      [this.#in, this.#out] = this.relay.drop(this.handle, failReason === 'backend_reset' ? 'reset' : 'fin');
      this.#live = false;
      return this.#end(failReason);
    }
    const fd = this.relay.detach(this.handle);
    this.#live = false;
    if (fd < 0) return this.#end('relay_failed');
    const sock = new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    this.#finished = true; // the JavaScript session reports the end
    this.owner.continueInJs(this, sock, this.#attempts, this.#tried, failReason);
  }

  #dial(target: Target): void {
    this.#attempts++;
    this.#target = target;
    this.ctx.pool.acquire(target);
    const prelude = this.ctx.prelude?.(this.info, target);
    const err = this.relay.connect(this.handle, target.spec.host, target.spec.port, this.keepAliveMs, prelude);
    if (err < 0) {
      this.relay.drop(this.handle); // the relay thread failed and let it go: forget it here too
      this.#live = false;
      return this.#end('relay_failed');
    }
    if (err > 0) return this.#connectFailed('connect_failed', `connect ${errnoName(err)}`);
    this.#dials++;
    this.#connecting = true;
    this.#dialedAt = performance.now();
  }

  onNativeConnect(attempt: number, errno: number): void {
    if (!this.#connecting || attempt !== this.#dials) return; // abandoned at its timeout meanwhile
    if (errno !== 0) return this.#connectFailed('connect_failed', `connect ${errnoName(errno)}`);
    this.#connecting = false;
    this.#connectMs = performance.now() - this.startedAt;
    noteConnected(this.ctx, this.owner.observer, this.#target!, this.#connectMs);
  }

  /**
   * The target failed before a byte went either way (a dying backend resets its accept queue): a
   * failed connect, and the client gets another target, as in a JavaScript Session (#redial there).
   */
  onNativeRedial(attempt: number, errno: number): void {
    if (this.#connecting || attempt !== this.#dials || this.#target === undefined) return;
    this.#connectFailed('connect_failed', `${errnoName(errno)} before any byte`, 'backend_reset');
  }

  /** `failReason`: the close reason when no other target is left. */
  #connectFailed(reason: 'connect_failed' | 'connect_timeout', detail: string, failReason: CloseReason = reason): void {
    this.#connecting = false;
    const target = this.#target!;
    this.#target = undefined;
    this.#tried = noteConnectFailure(this.ctx, this.owner.observer, target, reason, detail, this.#tried);
    this.#attempt(failReason);
  }

  onNativeEnd(end: NativeEnd): void {
    this.#live = false;
    this.#in = end.fromClient;
    this.#out = end.toClient;
    this.#firstEnd = end.firstEnd;
    this.#end(nativeEndReason(end));
  }

  /** Ends the session at once (drain deadline, admin kill, idle timeout). */
  kill(reason: CloseReason): void {
    if (this.#finished) return;
    if (this.#live) [this.#in, this.#out] = this.relay.drop(this.handle);
    this.#live = false;
    this.#end(reason);
  }

  get bytesFromClient(): number {
    return this.#live ? this.relay.counts(this.handle)[0] : this.#in;
  }

  get bytesToClient(): number {
    return this.#live ? this.relay.counts(this.handle)[1] : this.#out;
  }

  /** Connect and idle deadlines, on the listener's coarse tick (as Session.sweep). */
  sweep(now: number): void {
    if (this.#finished) return;
    const { connectTimeoutMs, idleTimeoutMs } = this.ctx.settings;
    if (this.#connecting) {
      // false: it connected (or failed) meanwhile, and that event is on its way
      if (now - this.#dialedAt >= connectTimeoutMs && this.relay.cancelConnect(this.handle))
        this.#connectFailed('connect_timeout', `connect timeout after ${connectTimeoutMs}ms`);
      return;
    }
    // Idleness is tracked without an idle timeout too: a drain deadline closes the idle first.
    if (this.#connectMs === undefined) return;
    const bytes = this.relay.activity(this.handle);
    if (this.#idle.idleFor(bytes, now, idleTimeoutMs)) this.kill('idle_timeout');
  }

  /** When it last moved a byte, as of the last sweep (0: not yet connected or not yet swept). */
  get idleSince(): number {
    return this.#idle.since;
  }

  #end(reason: CloseReason | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#reason ??= reason;
    this.onClose?.();
    noteSessionEnd(this.ctx, this.owner.observer, {
      listener: this.owner.listenerName,
      info: this.info,
      target: this.#target,
      fromClient: this.#in,
      toClient: this.#out,
      startedAt: this.startedAt,
      connectMs: this.#connectMs,
      attempts: this.#attempts,
      reason: this.#reason,
      firstEnd: this.#firstEnd,
    });
    this.owner.onSessionClosed(this);
  }
}
