import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { CloseReason } from '../core/close-reason.js';
import type { TargetId } from '../core/types.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { QueueTicket, Waiter } from '../pool/slot-queue.js';
import type { Target } from '../pool/target.js';
import type { PoolContext, SessionObserver } from './session-types.js';

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export interface SessionOwner {
  readonly listenerName: string;
  readonly observer: SessionObserver;
  onSessionClosed(s: Session): void;
}

/**
 * One client connection: pick a target, dial it (retrying on others), then relay bytes both
 * ways with backpressure and half-close until both sides are done. Every outcome ends in a
 * CloseReason; nothing a peer does throws.
 */
export class Session {
  readonly clientIp: string;
  readonly startedAt = performance.now();
  #upstream: Socket | undefined;
  #target: Target | undefined;
  #tried: Set<TargetId> | undefined;
  #attempts = 0;
  #connectMs: number | undefined;
  #reason: CloseReason | undefined;
  #firstEnd: 'client' | 'backend' | undefined;
  #clientClosed = false;
  #upstreamClosed = true;
  #finished = false;
  /** Waiting in the pool queue for a target slot. */
  #queued: QueueTicket | undefined;

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
    client.on('error', (e: NodeJS.ErrnoException) => this.#onClientError(e));
    if (clientEnded) this.#firstEnd = 'client';
    else client.once('end', () => (this.#firstEnd ??= 'client'));
    client.once('close', () => {
      this.#clientClosed = true;
      this.#queued?.cancel();
      const up = this.#upstream;
      if (up && !this.#upstreamClosed) {
        if (this.#connectMs === undefined)
          up.destroy(); // gave up while dialing
        else closeAfterFlush(up); // nothing more can reach the client
      }
      this.#maybeFinish();
    });
  }

  get target(): Target | undefined {
    return this.#target;
  }

  start(): void {
    this.#attempt('no_healthy_target');
  }

  /** Ends the session at once (drain deadline, admin kill). */
  kill(reason: CloseReason): void {
    this.#reason ??= reason;
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
    this.#reason = queued ?? failReason;
    this.client.destroy();
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
    (this.#tried ??= new Set()).add(target.id);
    this.#target = target;
    pool.acquire(target);
    const up = this.ctx.dialer(target.spec);
    this.#upstream = up;
    this.#upstreamClosed = false;
    let connecting = true;
    up.setTimeout(this.ctx.settings.connectTimeoutMs);
    up.once('timeout', () => {
      if (connecting) fail('connect_timeout', `connect timeout after ${this.ctx.settings.connectTimeoutMs}ms`);
    });
    const fail = (reason: 'connect_failed' | 'connect_timeout', detail: string): void => {
      connecting = false;
      up.destroy();
      this.#upstreamClosed = true;
      this.#upstream = undefined;
      this.#target = undefined;
      pool.release(target, 0, 0);
      this.ctx.health.reportConnectFailure(target.id, detail);
      this.owner.observer.onConnectError(pool.name, target.id, reason, detail);
      this.#attempt(reason);
    };
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (connecting) fail('connect_failed', `connect ${e.code ?? e.message}`);
      else this.#onUpstreamError(e);
    });
    // A TLS upstream counts as connected once its handshake is done: the connect timeout covers it.
    up.once(up instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      connecting = false;
      up.setTimeout(0);
      this.#connectMs = performance.now() - this.startedAt;
      this.ctx.health.reportConnectSuccess(target.id);
      this.owner.observer.onConnected(pool.name, target.id, this.#connectMs);
      this.#relay(up);
    });
  }

  #relay(up: Socket): void {
    const client = this.client;
    up.once('end', () => (this.#firstEnd ??= 'backend'));
    up.once('close', () => {
      this.#upstreamClosed = true;
      // The backend is gone: flush what it sent, then close; the client can send nothing more.
      if (!this.#clientClosed) closeAfterFlush(client);
      this.#maybeFinish();
    });
    const idle = this.ctx.settings.idleTimeoutMs;
    if (idle > 0) {
      // Client-side activity covers both directions: every relayed byte is read or written here.
      client.setTimeout(idle);
      client.once('timeout', () => this.kill('idle_timeout'));
    }
    const prelude = this.ctx.prelude?.(this.info, this.#target!);
    const head = this.head;
    this.head = undefined;
    // One write, header first: a backend reading a PROXY header must never see it split from data.
    const first = [prelude, head].filter((b): b is Buffer => b !== undefined && b.length > 0);
    if (first.length > 0) up.write(first.length === 1 ? first[0]! : Buffer.concat(first));
    if (this.clientEnded) up.end();
    else client.pipe(up);
    up.pipe(client);
  }

  #onClientError(e: NodeJS.ErrnoException): void {
    const reset = RESET_CODES.has(e.code ?? '');
    this.#reason ??= reset ? 'client_reset' : 'client_error';
    const up = this.#upstream;
    if (up && !up.destroyed) {
      if (reset) resetOrDestroy(up);
      else up.destroy();
    }
  }

  #onUpstreamError(e: NodeJS.ErrnoException): void {
    const reset = RESET_CODES.has(e.code ?? '');
    this.#reason ??= reset ? 'backend_reset' : 'backend_error';
    if (!this.client.destroyed) {
      if (reset) resetOrDestroy(this.client);
      else this.client.destroy();
    }
  }

  #maybeFinish(): void {
    if (this.#finished || !this.#clientClosed || !this.#upstreamClosed) return;
    this.#finished = true;
    const t = this.#target;
    const fromClient = this.client.bytesRead;
    const toClient = this.client.bytesWritten;
    if (t) this.ctx.pool.release(t, fromClient, toClient);
    const reason = this.#reason ?? (this.#firstEnd === 'backend' ? 'backend_close' : 'client_close');
    this.owner.observer.onSessionEnd({
      listener: this.owner.listenerName,
      pool: this.ctx.pool.name,
      client: this.clientIp,
      clientPort: this.info.clientPort,
      target: t?.id,
      bytesFromClient: fromClient,
      bytesToClient: toClient,
      durationMs: Math.round(performance.now() - this.startedAt),
      connectMs: this.#connectMs === undefined ? undefined : Math.round(this.#connectMs * 1000) / 1000,
      attempts: this.#attempts,
      reason,
    });
    this.owner.onSessionClosed(this);
  }
}

/** Passes a reset on (RST); a TLS socket cannot send one (resetAndDestroy throws on it), so it closes. */
function resetOrDestroy(sock: Socket): void {
  if (sock instanceof TLSSocket) sock.destroy();
  else sock.resetAndDestroy();
}

/** Ends a socket once its pending writes are out; used when its peer side is gone for good. */
function closeAfterFlush(sock: Socket): void {
  if (sock.destroyed) return;
  if (sock.writableFinished) {
    sock.destroy();
    return;
  }
  sock.once('finish', () => sock.destroy());
  if (!sock.writableEnded) sock.end();
}
