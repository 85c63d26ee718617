import { checkAcl, type Acl } from '../access/acl.js';
import type { ClientLimits, ClientTable } from '../access/client-table.js';
import type { UdpDropReason } from './udp-types.js';

/** Who may open a session: the listener's allow/deny rules and session limits. */
export interface SessionPolicy {
  readonly acl: Acl;
  /** Sessions of the listener at once (`maxConnections`). */
  readonly maxSessions: number | undefined;
  /** Per client address: sessions at once (`maxConnectionsPerClient`) and new ones per second (`rateLimit`). */
  readonly limits: ClientLimits;
  readonly clients: ClientTable;
  readonly now: () => number;
}

export interface SessionRefusal {
  readonly reason: UdpDropReason;
  readonly detail: string;
}

/**
 * The sessions of one UDP listener by client address:port, with admission. Pure bookkeeping (no
 * sockets), so the limits are table-tested; each admitted session is counted against its client
 * address until `delete`.
 */
export class SessionTable<S> {
  readonly #sessions = new Map<string, S>();

  constructor(private readonly policy: () => SessionPolicy) {}

  get size(): number {
    return this.#sessions.size;
  }

  get(key: string): S | undefined {
    return this.#sessions.get(key);
  }

  values(): IterableIterator<S> {
    return this.#sessions.values();
  }

  /** May `ip` open one more session? Counts it when so (then `add` or `release` follows). */
  admit(ip: string): SessionRefusal | undefined {
    const p = this.policy();
    if (checkAcl(p.acl, ip)) return { reason: 'denied', detail: `${ip} is not allowed` };
    if (p.maxSessions !== undefined && this.#sessions.size >= p.maxSessions)
      return { reason: 'max_sessions', detail: `listener at ${p.maxSessions} sessions` };
    const refused = p.clients.admit(ip, p.limits, p.now());
    if (!refused) return undefined;
    const perClient = p.limits.maxConcurrent !== undefined && p.clients.active(ip) >= p.limits.maxConcurrent;
    return { reason: perClient ? 'max_sessions_per_client' : 'rate_limited', detail: refused.detail };
  }

  add(key: string, s: S): void {
    this.#sessions.set(key, s);
  }

  /** An admitted session that never started. */
  release(ip: string): void {
    const p = this.policy();
    p.clients.release(ip, p.limits, p.now());
  }

  delete(key: string, ip: string): void {
    if (this.#sessions.delete(key)) this.release(ip);
  }
}
