import { formatHostPort } from '../core/address.js';
import { ListenError } from '../core/errors.js';
import type { InheritedSocket, SocketSource, SocketSpec } from '../supervisor/socket-spec.js';
import type { ToPrimary, ToWorker, Unstamped } from './messages.js';

/** `1` in a worker whose listening sockets come from the primary (which has them from the supervisor). */
export const SOCKETS_FROM_PRIMARY_ENV = 'LB_SOCKETS_FROM_PRIMARY';

type Answer = Extract<ToWorker, { type: 'socket' }>;

/**
 * A worker's listening sockets when the supervisor holds them (src/supervisor/): asked of the
 * primary, which has them from the supervisor and passes each on with its answer. The sockets
 * outlive this generation's workers, so that an upgrade refuses no connection.
 */
export class PrimarySockets implements SocketSource {
  #seq = 0;
  readonly #pending = new Map<number, (m: Answer, handle: unknown) => void>();

  constructor(private readonly send: (m: Unstamped<Extract<ToPrimary, { type: 'socket' }>>) => void) {}

  /** The primary's answer (the socket is the message's handle). */
  answer(m: Answer, handle: unknown): void {
    const done = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    done?.(m, handle);
  }

  acquire(spec: SocketSpec): Promise<InheritedSocket> {
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (m, handle) => {
        const fd = (handle as { fd?: unknown } | undefined)?.fd;
        if (m.error !== undefined || typeof fd !== 'number')
          reject(new ListenError(m.error ?? `cannot listen on ${formatHostPort(spec)}: no socket from the primary`));
        else resolve({ handle: handle as object, fd });
      });
      this.send({ type: 'socket', id, spec });
    });
  }

  /** The primary's generation tells the supervisor what it keeps (src/cli/run.ts). */
  keep(): Promise<void> {
    return Promise.resolve();
  }
}
