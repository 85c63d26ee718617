import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.js';

export interface Session {
  readonly id: string;
  /** Sent back by the page in `X-CSRF-Token` on every change it asks for. */
  readonly csrf: string;
  expiresAt: number;
}

export interface SessionOptions {
  /** A session unused for this long ends (sliding). */
  readonly idleMs: number;
  /** At most this many at once; the least recently used goes first. */
  readonly max: number;
}

export const SESSION_DEFAULTS: SessionOptions = { idleMs: 8 * 3600_000, max: 256 };

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Dashboard sign-ins: a random id the browser holds in an HttpOnly cookie, and a CSRF token the
 * page holds in memory. In memory only: a restart signs everyone out, which is fine for an
 * operator's tool and keeps no secret on disk. Bounded, so that sign-ins cannot grow it.
 */
export class SessionStore {
  // A Map keeps insertion order: re-inserting on use makes the first entry the least recently used.
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: SessionOptions = SESSION_DEFAULTS,
  ) {}

  get size(): number {
    return this.#sessions.size;
  }

  create(): Session {
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: this.clock.now() + this.opts.idleMs,
    };
    this.#sessions.set(s.id, s);
    while (this.#sessions.size > this.opts.max) this.#sessions.delete(this.#sessions.keys().next().value!);
    return s;
  }

  /** The live session with this id (its idle time starts again), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    this.#sessions.delete(id);
    const now = this.clock.now();
    if (s.expiresAt <= now) return undefined;
    s.expiresAt = now + this.opts.idleMs;
    this.#sessions.set(id, s);
    return s;
  }

  checkCsrf(s: Session, header: string | undefined): boolean {
    return header !== undefined && equal(header, s.csrf);
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }
}
