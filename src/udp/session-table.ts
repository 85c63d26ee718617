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
 * address until `delete`. Looked up on every datagram: by address, then by port (a number), so
 * that no `address:port` key string is built per datagram.
 */
export class SessionTable<S> {
  readonly #byIp = new Map<string, Map<number, S>>();
  #size = 0;

  constructor(private readonly policy: () => SessionPolicy) {}

  get size(): number {
    return this.#size;
  }

  get(ip: string, port: number): S | undefined {
    return this.#byIp.get(ip)?.get(port);
  }

  *values(): IterableIterator<S> {
    for (const ports of this.#byIp.values()) yield* ports.values();
  }

  /** May `ip` open one more session? Counts it when so (then `add` or `release` follows). */
  admit(ip: string): SessionRefusal | undefined {
    const p = this.policy();
    if (checkAcl(p.acl, ip)) return { reason: 'denied', detail: `${ip} is not allowed` };
    if (p.maxSessions !== undefined && this.#size >= p.maxSessions)
      return { reason: 'max_sessions', detail: `listener at ${p.maxSessions} sessions` };
    const refused = p.clients.admit(ip, p.limits, p.now());
    if (!refused) return undefined;
    const perClient = p.limits.maxConcurrent !== undefined && p.clients.active(ip) >= p.limits.maxConcurrent;
    return { reason: perClient ? 'max_sessions_per_client' : 'rate_limited', detail: refused.detail };
  }

  add(ip: string, port: number, s: S): void {
    let ports = this.#byIp.get(ip);
    if (!ports) this.#byIp.set(ip, (ports = new Map<number, S>()));
    if (!ports.has(port)) this.#size++;
    ports.set(port, s);
  }

  /** An admitted session that never started. */
  release(ip: string): void {
    const p = this.policy();
    p.clients.release(ip, p.limits, p.now());
  }

  delete(ip: string, port: number): void {
    const ports = this.#byIp.get(ip);
    if (!ports?.delete(port)) return;
    this.#size--;
    if (ports.size === 0) this.#byIp.delete(ip);
    this.release(ip);
  }
}
