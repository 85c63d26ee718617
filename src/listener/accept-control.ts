import type { Server, Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { AcceptGate, type DescriptorOps, type Gate } from './accept-gate.js';
import type { DescriptorGuard, Pausable, PauseReason } from './descriptor-guard.js';
import { resumeAt } from './fd-budget.js';

/** How a listener keeps within the descriptors of the process (src/listener/descriptor-guard.ts). */
export interface ListenerLimits {
  readonly guard: DescriptorGuard;
  /** dup/close of the listening descriptor, to stop accepting; undefined: accept and close instead. */
  readonly descriptors: DescriptorOps | undefined;
}

/** Told when the listener stops and starts accepting (metrics). */
export interface PauseObserver {
  onPaused?(listener: string, reason: PauseReason): void;
  onResumed?(listener: string, pausedMs: number): void;
}

const PAUSE_WHY: Record<PauseReason, string> = {
  max_connections: 'the listener holds its maxConnections',
  descriptors: 'the descriptor limit is reached',
  emfile: 'accept failed for lack of descriptors (EMFILE)',
};

/**
 * When one listener accepts: counts its open client sockets, stops accepting at its own
 * maxConnections or when the process guard says so, and starts again once connections closed;
 * one log line when it stops and one when it starts again.
 */
export class AcceptControl implements Pausable {
  #gate: Gate | undefined;
  /** Native accept: told the connections it may still accept each time that changes. */
  #onRoom: ((room: number) => void) | undefined;
  /** Client sockets accepted and not yet closed (sessions, and those still inspected or refused). */
  #open = 0;
  readonly #holds = new Set<PauseReason>();
  /** When the current pause began (undefined: accepting). */
  #pausedAt: number | undefined;
  #resumeFailed = false;
  #stopped = false;

  constructor(
    private readonly name: string,
    /** The listener's explicit maxConnections (undefined: only the process budget applies). */
    private readonly ownMax: () => number | undefined,
    private readonly observer: PauseObserver,
    private readonly log: Logger,
    private readonly limits: ListenerLimits | undefined,
  ) {}

  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  /** The explicit maxConnections, else what the descriptor limit allows. */
  get maxConnections(): number {
    return this.ownMax() ?? this.limits?.guard.budget.connections ?? Infinity;
  }

  /**
   * Once the server listens. Without a duplicate of its descriptor it cannot stop accepting: the
   * old way then, Node accepts beyond the limit and closes at once (`max_connections`).
   */
  attach(server: Server): void {
    const gate = new AcceptGate(server, this.limits?.descriptors);
    this.#gate = gate;
    this.#onRoom = undefined;
    const cannot = gate.arm();
    if (cannot) {
      server.maxConnections = this.maxConnections;
      if (this.limits)
        this.log.warn(
          { listener: this.name },
          `listener ${this.name} cannot stop accepting when descriptors run out (${cannot}): beyond ` +
            `${this.maxConnections} open connections new clients are accepted and closed at once`,
        );
    }
    this.limits?.guard.join(this);
    if (this.paused) gate.pause(); // (a native acceptor's socket given back to Node while paused)
  }

  /**
   * Native accept (src/listener/native-accept.ts): the relay thread's gate, and `onRoom` told how
   * many connections may still be accepted whenever that changes: the thread itself stops there, so
   * that no client accepted between two of its batches must be closed.
   */
  attachNative(gate: Gate, onRoom: (room: number) => void): void {
    this.#gate = gate;
    this.#onRoom = onRoom;
    this.limits?.guard.join(this);
    this.roomChanged();
  }

  /** Connections that may open before a limit is reached: its maxConnections, the process budget. */
  get room(): number {
    const own = this.ownMax();
    const g = this.limits?.guard;
    return Math.min(own === undefined ? Infinity : own - this.#open, g ? g.budget.connections - g.open : Infinity);
  }

  roomChanged(): void {
    this.#onRoom?.(this.room);
  }

  /** Settings changed (reload): the fallback's limit, and stop or start at the new maxConnections. */
  updated(server: Server | undefined): void {
    if (server && !this.#gate?.armed) server.maxConnections = this.maxConnections;
    this.#checkOwnLimit();
    this.roomChanged();
  }

  /** Counts an accepted socket until it closes, and stops accepting at the limits. */
  track(sock: Socket): void {
    sock.once('close', this.opened());
  }

  /** Counts an accepted connection until the function returned is called (its descriptors closed). */
  opened(): () => void {
    this.#open++;
    this.limits?.guard.opened();
    this.#checkOwnLimit();
    if (!this.limits) this.roomChanged(); // else the guard tells every listener
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.#open--;
      this.#checkOwnLimit();
      this.limits?.guard.closed();
      if (!this.limits) this.roomChanged();
    };
  }

  /** accept() failed (EMFILE, ENFILE…). */
  acceptFailed(code: string | undefined): void {
    if (code === 'EMFILE' || code === 'ENFILE') this.limits?.guard.exhausted();
  }

  hold(reason: PauseReason): void {
    this.#holds.add(reason);
    if (this.#pausedAt !== undefined || this.#stopped || !this.#gate?.armed) return;
    this.#gate.pause();
    this.#pausedAt = Date.now();
    this.#resumeFailed = false;
    const g = this.limits?.guard;
    this.log.warn(
      { listener: this.name, reason, open: this.#open, processOpen: g?.open, limit: this.maxConnections },
      `listener ${this.name} stopped accepting: ${PAUSE_WHY[reason]} (${this.#open} open here, ` +
        `${g?.open ?? this.#open} in the process, ${g?.budget.connections ?? '?'} allowed by ` +
        `${g?.budget.soft ?? '?'} descriptors); new clients wait in the backlog`,
    );
    this.observer.onPaused?.(this.name, reason);
  }

  release(reason: PauseReason): void {
    if (!this.#holds.delete(reason) || this.#holds.size > 0 || this.#pausedAt === undefined) return;
    const err = this.#gate?.resume();
    if (err) {
      // Not even one descriptor for the listening handle: again on the next close, or in a second.
      if (!this.#resumeFailed)
        this.log.error({ listener: this.name, err: err.message }, `listener ${this.name} cannot accept again yet`);
      this.#resumeFailed = true;
      this.#holds.add('emfile');
      this.limits?.guard.exhausted();
      return;
    }
    const ms = this.#endPause();
    const inProcess = this.limits?.guard.open ?? this.#open;
    this.log.info(
      { listener: this.name, pausedMs: ms, open: this.#open, processOpen: inProcess },
      `listener ${this.name} accepting again after ${ms} ms (${this.#open} open here, ${inProcess} in the process)`,
    );
  }

  /** The listener stops for good (its server is closing): the duplicate goes. */
  stop(): void {
    this.#stopped = true;
    this.#onRoom = undefined;
    this.limits?.guard.leave(this);
    this.#endPause();
    this.#gate?.close();
  }

  #endPause(): number {
    if (this.#pausedAt === undefined) return 0;
    const ms = Date.now() - this.#pausedAt;
    this.#pausedAt = undefined;
    this.observer.onResumed?.(this.name, ms);
    return ms;
  }

  /** Its own maxConnections (the process-wide budget is the guard's). */
  #checkOwnLimit(): void {
    const max = this.ownMax();
    if (max !== undefined && this.#open >= max) this.hold('max_connections');
    else if (max === undefined || this.#open <= resumeAt(max)) this.release('max_connections');
  }
}
