import type { Logger } from '../log/logger.js';
import type { SavedState } from '../state/saved-state.js';
import { BindError, BoundSockets } from './bound-sockets.js';
import { Generation, type ProgramCommand } from './generation.js';
import type { FromGeneration, UpgradeResult } from './messages.js';
import type { Notifier } from './sd-notify.js';
import { socketKey } from './socket-spec.js';

export interface SupervisorDeps {
  readonly command: ProgramCommand;
  readonly log: Logger;
  readonly notifier: Notifier;
  /** How long a new generation has to become ready. */
  readonly readyTimeoutMs: number;
  /** How long the old generation has to hand over its runtime state. */
  readonly stateTimeoutMs?: number;
  readonly exit: (code: number) => void;
}

type Started = { ok: true } | { ok: false; why: string; code: number };

/**
 * The process that was started, and stays (its PID is what systemd and other supervisors watch).
 * It carries no traffic: it binds the listening sockets, runs the program as generations that
 * listen on them, and at an upgrade (SIGUSR2, POST /api/upgrade) starts the program now on disk,
 * waits until it is ready, then tells the old one to drain and exit. The sockets never close in
 * between, so a connection arriving meanwhile waits in the backlog instead of being refused.
 * It keeps the privileges it was started with, to bind what a reload or an upgrade adds.
 */
export class Supervisor {
  readonly #sockets = new BoundSockets();
  readonly #all = new Set<Generation>();
  readonly #readyWaiters = new Map<Generation, (s: Started) => void>();
  readonly #stateWaiters = new Map<number, (s: SavedState | null) => void>();
  #current: Generation | undefined;
  /** Generation 1's start, until it is ready or failed. */
  #starting: Promise<boolean> | undefined;
  #upgrading = false;
  #stopping = false;
  #seq = 0;

  constructor(private readonly deps: SupervisorDeps) {}

  get generation(): number {
    return this.#current?.n ?? 0;
  }

  /** Starts generation 1; false when it could not start (the process then exits with its code). */
  start(): Promise<boolean> {
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<boolean> {
    const g = this.#spawn();
    const s = await this.#whenReady(g);
    if (!s.ok) {
      // A program that exited said why on stderr itself (bad flags, bad config): no second message.
      if (g.alive) this.deps.log.error(`the program did not start: ${s.why}`);
      g.kill('SIGKILL');
      this.#finish(s.code);
      return false;
    }
    this.#current = g;
    this.#gc();
    this.deps.notifier.notify('READY', `generation 1 (version ${g.version}) serving`);
    return true;
  }

  /** Starts the program as it is on disk now; it takes over once ready, or the old one keeps serving. */
  async upgrade(source: string, reply?: (r: UpgradeResult) => void): Promise<UpgradeResult> {
    // Asked while generation 1 starts (its admin API serves before it reports ready): after it.
    if (!this.#current) await this.#starting;
    const old = this.#current;
    const answer = (r: UpgradeResult): UpgradeResult => {
      reply?.(r);
      return r;
    };
    if (!old || this.#stopping)
      return answer({ ok: false, generation: this.generation, version: old?.version ?? '', error: 'not serving' });
    if (this.#upgrading)
      return answer({
        ok: false,
        generation: old.n,
        version: old.version ?? '',
        error: 'an upgrade is already running',
      });
    this.#upgrading = true;
    try {
      this.deps.log.info(`upgrade (${source}): starting generation ${old.n + 1}`);
      this.deps.notifier.notify('RELOADING', 'upgrading');
      const g = this.#spawn();
      const s = await this.#whenReady(g);
      if (!s.ok) {
        g.kill('SIGKILL');
        this.#gc();
        const error = `generation ${g.n} did not become ready: ${s.why}; generation ${old.n} keeps serving`;
        this.deps.log.error({ upgrade: { source, ok: false } }, `upgrade failed: ${error}`);
        this.deps.notifier.notify('READY', `upgrade failed; generation ${old.n} serving`);
        return answer({ ok: false, generation: old.n, version: old.version ?? '', error });
      }
      this.#current = g;
      const r = answer({ ok: true, generation: g.n, version: g.version ?? '' });
      // After the answer (same channel, in order): the old generation stops accepting and drains.
      old.retiring = true;
      old.send({ lb: 'retire' });
      this.#gc();
      this.deps.log.info(
        { upgrade: { source, ok: true, generation: g.n, version: g.version } },
        `generation ${g.n} (version ${g.version}, pid ${g.pid}) serving; generation ${old.n} drains`,
      );
      this.deps.notifier.notify('READY', `generation ${g.n} (version ${g.version}) serving`);
      return r;
    } finally {
      this.#upgrading = false;
    }
  }

  /** SIGHUP goes to the serving generation; SIGTERM/SIGINT drain every generation, then exit. */
  signal(sig: NodeJS.Signals): void {
    if (sig === 'SIGHUP') {
      this.#current?.kill('SIGHUP');
      // One starting (generation 1, or an upgrade's) may have read the config before the edit: it
      // reloads once ready. Not now: before its handler is installed, SIGHUP would kill it.
      for (const g of this.#readyWaiters.keys()) g.reloadWhenReady = true;
      return;
    }
    if (!this.#stopping) {
      this.#stopping = true;
      this.deps.log.info(`stopping every generation (${sig})`);
      this.deps.notifier.notify('STOPPING');
    }
    for (const g of this.#all) g.kill(sig);
    // Our copies go now: once the generations stop accepting, new connections are refused at once
    // instead of waiting in a backlog that nobody will accept from.
    this.#sockets.closeAll();
    if (this.#all.size === 0) this.#finish(0);
  }

  #spawn(): Generation {
    // +1 per upgrade that took over: a failed attempt's number is given again to the next one.
    const g = new Generation((this.#current?.n ?? 0) + 1, this.deps.command, this.#onMessage);
    this.#all.add(g);
    void g.exited.then(({ code, signal }) => this.#onExit(g, code, signal));
    return g;
  }

  #whenReady(g: Generation): Promise<Started> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => done({ ok: false, why: `not ready within ${this.deps.readyTimeoutMs} ms`, code: 1 }),
        this.deps.readyTimeoutMs,
      );
      const done = (s: Started): void => {
        clearTimeout(timer);
        this.#readyWaiters.delete(g);
        resolve(s);
      };
      this.#readyWaiters.set(g, done);
    });
  }

  #onMessage = (g: Generation, m: FromGeneration): void => {
    switch (m.lb) {
      case 'ready':
        g.version = m.version;
        this.#readyWaiters.get(g)?.({ ok: true });
        // A SIGHUP that came while it started: its handler is installed now (before 'ready').
        if (g.reloadWhenReady) {
          g.reloadWhenReady = false;
          g.kill('SIGHUP');
        }
        return;
      case 'socket':
        this.#sockets.acquire(m.spec).then(
          (handle) => {
            g.sockets.add(socketKey(m.spec));
            g.send({ lb: 'socket', id: m.id }, handle);
          },
          (e: unknown) =>
            g.send({
              lb: 'socket',
              id: m.id,
              error: e instanceof Error ? e.message : String(e),
              ...(e instanceof BindError ? { errno: e.errno } : {}),
            }),
        );
        return;
      case 'keep':
        // What it serves now (after a reload): the sockets of listeners it no longer has close here.
        g.sockets.clear();
        for (const spec of m.specs) g.sockets.add(socketKey(spec));
        this.#gc();
        g.send({ lb: 'keep', id: m.id });
        return;
      case 'upgrade':
        void this.upgrade('api', (result) => g.send({ lb: 'upgrade', id: m.id, result }));
        return;
      case 'notify':
        // Only the serving generation speaks for the service, and only about reloads: the
        // supervisor itself says READY at start and after upgrades, and STOPPING.
        if (g === this.#current && m.state !== 'STOPPING') this.deps.notifier.notify(m.state, m.status);
        return;
      case 'inherit-state':
        void this.#stateOf(g).then((state) => g.send({ lb: 'inherit-state', id: m.id, state }));
        return;
      case 'state':
        this.#stateWaiters.get(m.id)?.(m.state);
        return;
    }
  };

  /** The runtime state of the generation serving now, for `next` (null at the first start). */
  #stateOf(next: Generation): Promise<SavedState | null> {
    const from = this.#current;
    if (!from || from === next) return Promise.resolve(null);
    const id = ++this.#seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), this.deps.stateTimeoutMs ?? 5000);
      const done = (s: SavedState | null): void => {
        clearTimeout(timer);
        this.#stateWaiters.delete(id);
        resolve(s);
      };
      this.#stateWaiters.set(id, done);
      from.send({ lb: 'state', id });
    });
  }

  /** Keeps the sockets that the serving generation (or one starting) uses; closes the rest. */
  #gc(): void {
    const keep = new Set<string>();
    for (const g of this.#all)
      if (g === this.#current || (!g.retiring && g.alive)) for (const k of g.sockets) keep.add(k);
    this.#sockets.keepOnly(keep);
  }

  #onExit(g: Generation, code: number | null, signal: NodeJS.Signals | null): void {
    this.#all.delete(g);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    this.#readyWaiters.get(g)?.({
      ok: false,
      why: `exited with ${how}${g.lastError ? `: ${g.lastError}` : ''}`,
      code: code ?? 1,
    });
    if (this.#stopping) {
      this.deps.log.info(`generation ${g.n} (pid ${g.pid}) exited with ${how}`);
      if (g === this.#current) this.#exitCode = code ?? 1;
      if (this.#all.size === 0) this.#finish(this.#exitCode);
      return;
    }
    if (g !== this.#current) {
      if (g.retiring) this.deps.log.info(`generation ${g.n} (pid ${g.pid}) drained and exited with ${how}`);
      return;
    }
    // The serving program died: this process exits with it (a service manager restarts it).
    this.deps.log.error(`generation ${g.n} (pid ${g.pid}) exited with ${how} while serving`);
    this.#stopping = true;
    for (const other of this.#all) other.kill('SIGTERM');
    this.#exitCode = code ?? 1;
    if (this.#all.size === 0) this.#finish(this.#exitCode);
  }

  #exitCode = 0;

  #finish(code: number): void {
    this.#sockets.closeAll();
    void this.deps.notifier.settled().then(() => this.deps.exit(code));
  }
}
