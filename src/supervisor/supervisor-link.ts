import { ListenError } from '../core/errors.js';
import { formatHostPort } from '../core/address.js';
import type { SavedState } from '../state/saved-state.js';
import {
  GENERATION_ENV,
  isToGeneration,
  type FromGeneration,
  type ToGeneration,
  type UpgradeResult,
} from './messages.js';
import type { Notifier } from './sd-notify.js';
import type { InheritedSocket, SocketSource, SocketSpec } from './socket-spec.js';

type Channel = Pick<NodeJS.Process, 'send' | 'on' | 'off' | 'channel'>;

const WHY: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available',
};

/**
 * A program generation's side of the supervisor: its sockets come from there (held across
 * generations), it says when it is ready, asks for upgrades, and is told to retire.
 */
export class SupervisorLink implements SocketSource {
  #seq = 0;
  readonly #pending = new Map<number, (m: ToGeneration, handle: unknown) => void>();
  #onRetire: () => void = () => undefined;
  #captureState: () => SavedState | null = () => null;

  constructor(
    readonly generation: number,
    private readonly channel: Channel,
  ) {
    channel.on('message', this.#onMessage);
    // Unref: the channel alone must not keep a generation alive once it has stopped serving.
    channel.channel?.unref();
  }

  /** The link when this process is a generation run by the supervisor. */
  static fromProcess(env: NodeJS.ProcessEnv = process.env): SupervisorLink | undefined {
    const n = Number(env[GENERATION_ENV]);
    if (!Number.isInteger(n) || n < 1 || typeof process.send !== 'function') return undefined;
    return new SupervisorLink(n, process);
  }

  #onMessage = (m: unknown, handle: unknown): void => {
    if (!isToGeneration(m)) return;
    if (m.lb === 'retire') return this.#onRetire();
    if (m.lb === 'state') return this.#send({ lb: 'state', id: m.id, state: this.#captureState() });
    const resolve = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    resolve?.(m, handle);
  };

  #send(m: FromGeneration, onError: () => void = () => undefined): void {
    // With a callback, a closed channel (the supervisor is gone) is an error passed here, not an
    // 'error' event on the process; 'disconnect' starts the drain (src/cli/run.ts).
    this.channel.send?.(m, undefined, undefined, (e: Error | null) => {
      if (e) onError();
    });
  }

  #request(make: (id: number) => FromGeneration): Promise<{ m: ToGeneration; handle: unknown }> {
    const id = ++this.#seq;
    // The channel keeps the process alive only while an answer is awaited.
    this.channel.channel?.ref();
    return new Promise((resolve) => {
      const done = (m: ToGeneration, handle: unknown): void => {
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.channel.channel?.unref();
        resolve({ m, handle });
      };
      this.#pending.set(id, done);
      // No supervisor to answer: the same as an answer that says no.
      this.#send(make(id), () => done({ lb: 'socket', id, error: 'the supervisor is gone' }, undefined));
    });
  }

  async acquire(spec: SocketSpec): Promise<InheritedSocket> {
    const { m, handle } = await this.#request((id) => ({ lb: 'socket', id, spec }));
    if (m.lb !== 'socket' || m.error !== undefined || !handle) {
      const errno = m.lb === 'socket' ? m.errno : undefined;
      const why = (errno && WHY[errno]) ?? (m.lb === 'socket' ? m.error : undefined) ?? 'no socket';
      const err = Object.assign(new Error(why), { code: errno });
      throw new ListenError(`cannot listen on ${formatHostPort(spec)}: ${why}`, err);
    }
    return { handle: handle, fd: (handle as { fd: number }).fd };
  }

  async keep(specs: readonly SocketSpec[]): Promise<void> {
    await this.#request((id) => ({ lb: 'keep', id, specs }));
  }

  ready(version: string): void {
    this.#send({ lb: 'ready', version });
  }

  async upgrade(): Promise<UpgradeResult> {
    const { m } = await this.#request((id) => ({ lb: 'upgrade', id }));
    if (m.lb !== 'upgrade') throw new Error(m.lb === 'socket' && m.error ? m.error : 'unexpected answer to an upgrade');
    return m.result;
  }

  /** The runtime state of the generation this one replaces (null at the first start). */
  async inheritedState(): Promise<SavedState | null> {
    const { m } = await this.#request((id) => ({ lb: 'inherit-state', id }));
    return m.lb === 'inherit-state' ? m.state : null;
  }

  /** What this generation hands to the next one at an upgrade. */
  provideState(capture: () => SavedState | null): void {
    this.#captureState = capture;
  }

  onRetire(fn: () => void): void {
    this.#onRetire = fn;
  }

  /** sd_notify goes through the supervisor: it is the service's main process. */
  readonly notifier: Notifier = {
    notify: (state, status) => this.#send({ lb: 'notify', state, status }),
    settled: () => Promise.resolve(),
  };

  close(): void {
    this.channel.off('message', this.#onMessage);
  }
}
