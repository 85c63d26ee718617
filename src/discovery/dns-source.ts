import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { TargetSpec } from '../core/types.js';
import { Backoff } from './backoff.js';
import { addressTargets, nextResolveMs, srvTargets, type Address } from './dns-plan.js';
import { DiscoveryError } from './discovery-error.js';
import type { DiscoveryListener, DiscoverySource } from './types.js';

export interface DnsDiscoverySettings {
  readonly name: string;
  readonly type: 'SRV' | 'A' | 'AAAA';
  /** `host` or `host:port` (`[v6]:port`); empty: the system's resolvers (/etc/resolv.conf). */
  readonly resolvers: readonly string[];
  readonly intervalMs: number;
  /** The port of A/AAAA targets. */
  readonly port?: number | undefined;
  /** Per query; Node's resolver retries `tries` times. */
  readonly timeoutMs?: number;
}

const NO_TTL: readonly number[] = [];

/** Resolves a name every interval (or sooner within the TTL) with Node's c-ares resolver. */
export class DnsSource implements DiscoverySource {
  readonly kind = 'dns';
  readonly name: string;
  readonly pool: string;
  readonly #s: DnsDiscoverySettings;
  readonly #clock: Clock;
  readonly #resolver: Resolver;
  readonly #backoff: Backoff;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();

  constructor(pool: string, settings: DnsDiscoverySettings, clock: Clock, random: () => number = Math.random) {
    this.pool = pool;
    this.name = `dns:${settings.name}`;
    this.#s = settings;
    this.#clock = clock;
    this.#resolver = new Resolver({ timeout: settings.timeoutMs ?? 2000, tries: 2 });
    if (settings.resolvers.length) this.#resolver.setServers([...settings.resolvers]);
    this.#backoff = new Backoff({ maxMs: settings.intervalMs }, random);
  }

  start(listener: DiscoveryListener): void {
    const round = async (): Promise<void> => {
      let delay: number;
      try {
        const { targets, ttls, cause } = await this.#resolve();
        if (this.#stopped) return;
        this.#backoff.reset();
        listener({ type: 'snapshot', targets, cause });
        delay = nextResolveMs(this.#s.intervalMs, ttls);
      } catch (e) {
        if (this.#stopped) return;
        listener({ type: 'error', error: DiscoveryError.from(e, `dns ${this.#s.type} ${this.#s.name}`) });
        delay = this.#backoff.next();
      }
      this.#timer = this.#clock.setTimeout(() => {
        this.#running = round();
      }, delay);
    };
    this.#running = round();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#resolver.cancel();
    await this.#running;
  }

  async #resolve(): Promise<{ targets: TargetSpec[]; ttls: readonly number[]; cause: string }> {
    const { name, type } = this.#s;
    if (type !== 'SRV') {
      const addrs = await this.#addresses(name, type === 'A' ? 4 : 6);
      return {
        targets: addressTargets(addrs, this.#s.port ?? 0),
        ttls: addrs.map((a) => a.ttl),
        cause: `dns: ${addrs.length} ${type} record${addrs.length === 1 ? '' : 's'} for ${name}`,
      };
    }
    const records = await this.#resolver.resolveSrv(name);
    const hosts = [...new Set(records.map((r) => r.name))].filter((h) => h !== '' && h !== '.' && isIP(h) === 0);
    const resolved = new Map<string, Address[]>();
    await Promise.all(
      hosts.map(async (h) => {
        const [v4, v6] = await Promise.all([this.#addresses(h, 4, true), this.#addresses(h, 6, true)]);
        resolved.set(h, [...v4, ...v6]);
      }),
    );
    const targets = srvTargets(records, resolved);
    if (records.length > 0 && targets.length === 0)
      throw new DiscoveryError(`dns SRV ${name}: none of the ${records.length} records' hosts resolves to an address`);
    const ttls = [...resolved.values()].flat().map((a) => a.ttl);
    return { targets, ttls: ttls.length ? ttls : NO_TTL, cause: `dns: ${records.length} SRV records for ${name}` };
  }

  /** A/AAAA with TTLs; `lenient`: "no such record" is an empty answer (an SRV host with only A). */
  async #addresses(host: string, family: 4 | 6, lenient = false): Promise<Address[]> {
    try {
      return family === 4
        ? await this.#resolver.resolve4(host, { ttl: true })
        : await this.#resolver.resolve6(host, { ttl: true });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (lenient && (code === 'ENODATA' || code === 'ENOTFOUND')) return [];
      throw e;
    }
  }
}
