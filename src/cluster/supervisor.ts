import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import { sendTo, type Channel } from './channel.js';
import {
  decodeToPrimary,
  stamp,
  type Snapshot,
  type ToPrimary,
  type ToWorker,
  type Unstamped,
  type WorkerStats,
} from './messages.js';
import type { PassiveReport } from './remote-health.js';
import type { AckResult, DataPlaneLink } from '../plane/plane-link.js';
import { PendingRequests } from './requests.js';
import type { WorkerSlotState } from './worker-view.js';
import type { SocketSource } from '../supervisor/socket-spec.js';
import { NO_CRASHES, onCrash, type CrashRecord, type RestartPolicy } from './restart-policy.js';

/** The primary's handle on one worker process (a cluster.Worker or a ChildProcess, adapted). */
export interface WorkerHandle extends Channel {
  readonly pid: number | undefined;
  /** Sends a message with a listening socket (only workers that listen on handed sockets have it). */
  sendHandle?(message: unknown, handle: object, callback: (error: Error | null) => void): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  kill(signal: NodeJS.Signals): void;
}

export type Spawn = (slot: number) => WorkerHandle;

type Applied = Extract<ToPrimary, { type: 'applied' }>;
/** A worker's answer to a request of the primary. */
type Answer = Extract<ToPrimary, { type: 'stats' | 'metrics' | 'connections' }>;
export type { AckResult } from '../plane/plane-link.js';

interface Slot extends WorkerSlotState {
  readonly id: number;
  handle: WorkerHandle | undefined;
  pid: number | undefined;
  startedAt: number;
  /** Has applied a snapshot: it serves traffic. */
  ready: boolean;
  record: CrashRecord;
  restart: TimerHandle | undefined;
  stats: WorkerStats | undefined;
}

interface AckWaiter {
  readonly slot: number;
  readonly version: number;
  readonly done: (r: AckResult) => void;
}

export interface SupervisorDeps {
  readonly count: number;
  readonly spawn: Spawn;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policy: RestartPolicy;
  /** The snapshot a worker gets when it starts. */
  readonly snapshot: () => Snapshot;
  readonly onPassive: (r: PassiveReport) => void;
  /** The sockets the workers listen on, when a supervisor holds them across upgrades. */
  readonly sockets?: SocketSource | undefined;
}

/**
 * Keeps `count` worker processes running: forks them, sends each the current snapshot, restarts
 * one that dies (with backoff: a crash loop is logged and slowed, never spun), and tells them to
 * drain. Talks to them only through the messages of messages.ts. It is the control plane's link
 * to its data planes in a cluster (plane/plane-link.ts).
 */
export class Supervisor implements DataPlaneLink {
  /** Each snapshot is an IPC message to every worker: changes of one tick go together. */
  readonly coalesce = true;
  readonly #slots: Slot[];
  readonly #acks = new Set<AckWaiter>();
  readonly #requests: PendingRequests<Answer>;
  #restarting = false;
  #stopping = false;
  #exited: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(private readonly deps: SupervisorDeps) {
    this.#slots = Array.from({ length: deps.count }, (_, i) => ({
      id: i + 1,
      handle: undefined,
      pid: undefined,
      startedAt: 0,
      ready: false,
      record: NO_CRASHES,
      restart: undefined,
      stats: undefined,
    }));
    this.#requests = new PendingRequests(deps.clock);
  }

  start(): void {
    for (const s of this.#slots) this.#fork(s);
  }

  /** From now on a worker that dies is restarted (before, a death fails the startup). */
  keepAlive(): void {
    this.#restarting = true;
  }

  slots(): readonly Readonly<Slot>[] {
    return this.#slots;
  }

  #fork(s: Slot): void {
    s.restart = undefined;
    const h = this.deps.spawn(s.id);
    s.handle = h;
    s.pid = h.pid;
    s.startedAt = this.deps.clock.now();
    s.ready = false;
    h.on('message', (m) => this.#onMessage(s, h, m));
    h.on('exit', (code, signal) => this.#onExit(s, h, code, signal));
  }

  #onMessage(s: Slot, h: WorkerHandle, raw: unknown): void {
    if (s.handle !== h) return;
    const d = decodeToPrimary(raw);
    if (!d.ok) {
      this.deps.log.error({ worker: s.id }, `worker ${s.id}: ${d.error}`);
      return;
    }
    const m = d.message;
    switch (m.type) {
      case 'hello':
        s.pid = m.pid;
        sendTo(h, this.deps.snapshot());
        return;
      case 'applied':
        return this.#onApplied(s, h, m);
      case 'passive':
        return this.deps.onPassive(m);
      case 'socket':
        return this.#giveSocket(s, h, m);
      case 'stats':
      case 'metrics':
      case 'connections':
        if (m.type === 'stats') s.stats = m.stats;
        return this.#requests.answer(m.id, m);
    }
  }

  #onApplied(s: Slot, h: WorkerHandle, m: Applied): void {
    s.stats = m.stats;
    if (!m.ok && !s.ready && this.#restarting) {
      // A restarted worker that cannot serve the running config: count it as a crash.
      this.deps.log.error({ worker: s.id }, `worker ${s.id} cannot apply the config: ${m.error?.message ?? '?'}`);
      h.kill('SIGKILL');
    }
    if (m.ok) s.ready = true;
    for (const w of this.#acks)
      if (w.slot === s.id && m.version >= w.version)
        w.done({ slot: s.id, gone: false, ok: m.ok, summary: m.summary, error: m.error, stats: m.stats });
  }

  /** A worker listens on a socket the supervisor holds: this process passes it on. */
  #giveSocket(s: Slot, h: WorkerHandle, m: Extract<ToPrimary, { type: 'socket' }>): void {
    const fail = (error: string): void => sendTo(h, stamp({ type: 'socket', id: m.id, error }));
    const { sockets } = this.deps;
    if (!sockets || !h.sendHandle) return fail('no supervisor holds the listening sockets');
    sockets.acquire(m.spec).then(
      (got) => {
        if (s.handle !== h) return; // gone meanwhile
        try {
          // Our copy goes once it is sent: the worker has its own descriptor of the socket now.
          h.sendHandle!(stamp({ type: 'socket', id: m.id }), got.handle, () =>
            (got.handle as { close?: () => void }).close?.(),
          );
        } catch {
          // exiting: its exit is handled
        }
      },
      (e: unknown) => fail(e instanceof Error ? e.message : String(e)),
    );
  }

  #onExit(s: Slot, h: WorkerHandle, code: number | null, signal: string | null): void {
    if (s.handle !== h) return;
    s.handle = undefined;
    s.stats = undefined;
    this.#requests.abandon(s.id);
    for (const w of this.#acks) if (w.slot === s.id) w.done({ slot: s.id, gone: true });
    if (this.#stopping) {
      if (this.#slots.every((x) => !x.handle)) this.#exited?.resolve();
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${String(code)}`;
    if (!this.#restarting) {
      this.deps.log.error({ worker: s.id }, `worker ${s.id} exited with ${how}`);
      return;
    }
    const d = onCrash(s.record, this.deps.clock.now() - s.startedAt, this.deps.policy);
    s.record = d.record;
    const fields = { worker: s.id, pid: h.pid, code, signal, restartInMs: d.delayMs, streak: d.record.streak };
    const msg = `worker ${s.id} (pid ${String(h.pid)}) exited with ${how}; restarting it in ${d.delayMs}ms`;
    if (d.loopStarted)
      this.deps.log.error(
        fields,
        `worker ${s.id} is crash-looping (${d.record.streak} exits in a row, each within ${this.deps.policy.stableMs}ms of its start); restarts back off up to ${this.deps.policy.maxMs}ms`,
      );
    else if (d.inLoop) this.deps.log.debug(fields, msg);
    else this.deps.log.warn(fields, msg);
    s.restart = this.deps.clock.setTimeout(() => this.#fork(s), d.delayMs);
  }

  /** Sends a snapshot to every worker that has started; one still starting gets the latest at hello. */
  broadcast(snapshot: Snapshot): void {
    for (const s of this.#slots) if (s.handle && s.pid !== undefined) sendTo(s.handle, snapshot);
  }

  /** Waits until every live worker applied `version` (or a later one), failed, or went away. */
  awaitApplied(version: number, timeoutMs: number): Promise<AckResult[]> {
    const live = this.#slots.filter((s) => s.handle);
    return Promise.all(
      live.map(
        (s) =>
          new Promise<AckResult>((resolve) => {
            const timer = this.deps.clock.setTimeout(() => finish({ slot: s.id, gone: true }), timeoutMs);
            const w: AckWaiter = { slot: s.id, version, done: (r) => finish(r) };
            const finish = (r: AckResult): void => {
              this.deps.clock.clearTimeout(timer);
              if (this.#acks.delete(w)) resolve(r);
            };
            this.#acks.add(w);
          }),
      ),
    );
  }

  /** Asks every live worker; answers that do not come within `timeoutMs` are left out. */
  async request<W extends 'stats' | 'metrics'>(what: W, timeoutMs: number): Promise<Extract<ToPrimary, { type: W }>[]> {
    const answers = await this.#ask(what, (id) => ({ type: 'request', id, what }), timeoutMs);
    return answers.map((a) => a.answer);
  }

  /** The open connections of one target in every live worker, each list with the worker's slot. */
  connections(
    pool: string,
    target: string,
    limit: number,
    timeoutMs: number,
  ): Promise<{ slot: number; answer: Extract<ToPrimary, { type: 'connections' }> }[]> {
    return this.#ask('connections', (id) => ({ type: 'connections', id, pool, target, limit }), timeoutMs);
  }

  async #ask<W extends Answer['type']>(
    what: W,
    message: (id: number) => Unstamped<ToWorker>,
    timeoutMs: number,
  ): Promise<{ slot: number; answer: Extract<ToPrimary, { type: W }> }[]> {
    const asks = this.#slots.flatMap((s) => {
      if (!s.handle || !s.ready) return [];
      const { id, answer } = this.#requests.open(s.id, timeoutMs);
      sendTo(s.handle, stamp(message(id)));
      return [answer.then((a) => ({ slot: s.id, a }))];
    });
    const out: { slot: number; answer: Extract<ToPrimary, { type: W }> }[] = [];
    for (const { slot, a } of await Promise.all(asks))
      if (a?.type === what) out.push({ slot, answer: a as Extract<ToPrimary, { type: W }> });
    return out;
  }

  /**
   * Tells every worker to drain (`handOver`: at an upgrade, App.shutdown); resolves once all have
   * exited (killed if one overstays).
   */
  drain(timeoutMs: number, graceMs = 5000, handOver = false): Promise<void> {
    const exited = this.#stop();
    for (const s of this.#slots) if (s.handle) sendTo(s.handle, stamp({ type: 'drain', timeoutMs, handOver }));
    const timer = this.deps.clock.setTimeout(() => void this.kill(), timeoutMs + graceMs);
    return exited.finally(() => this.deps.clock.clearTimeout(timer));
  }

  /** Ends every worker now (SIGKILL) and restarts none. */
  kill(): Promise<void> {
    const exited = this.#stop();
    for (const s of this.#slots) s.handle?.kill('SIGKILL');
    return exited;
  }

  /** No more restarts; resolves when every worker has exited. */
  #stop(): Promise<void> {
    this.#stopping = true;
    for (const s of this.#slots) if (s.restart) this.deps.clock.clearTimeout(s.restart);
    if (!this.#exited) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#exited = { promise, resolve };
      if (this.#slots.every((s) => !s.handle)) resolve();
    }
    return this.#exited.promise;
  }
}
