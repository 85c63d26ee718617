import { isIP } from 'node:net';
import type { TargetSpec } from '../core/types.js';
import { canonicalTargets, discoveredSpec } from './target-spec.js';

// DNS answers to targets (pure). SRV per RFC 2782: every record is a target at its port, its
// weight is the target's weight (0, "rarely", becomes 1, the least we have; capped at 1000), the
// records of the lowest priority are the primaries and those of every higher priority are backups
// (the pool has two tiers), counting only records whose host resolves. A record whose target is "." means "no service" and is ignored.

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

export interface Address {
  readonly address: string;
  readonly ttl: number;
}

export const MIN_RESOLVE_MS = 1000;

export function srvTargets(
  records: readonly SrvRecord[],
  addresses: ReadonlyMap<string, readonly Address[]>,
): TargetSpec[] {
  // a record whose host resolves to nothing is no target, and does not set the primary priority
  const live = records.filter((r) => r.name !== '' && r.name !== '.' && addressesOf(r.name, addresses).length > 0);
  if (live.length === 0) return [];
  const primary = Math.min(...live.map((r) => r.priority));
  const out: TargetSpec[] = [];
  for (const r of live)
    for (const a of addressesOf(r.name, addresses))
      out.push(
        discoveredSpec({
          host: a,
          port: r.port,
          weight: Math.min(1000, Math.max(1, r.weight)),
          backup: r.priority !== primary,
        }),
      );
  return canonicalTargets(out);
}

export const addressTargets = (addresses: readonly Address[], port: number): TargetSpec[] =>
  canonicalTargets(addresses.map((a) => discoveredSpec({ host: a.address, port })));

/** A host that is an address literal stands for itself. */
export const addressesOf = (host: string, addresses: ReadonlyMap<string, readonly Address[]>): string[] =>
  isIP(host) !== 0 ? [host] : (addresses.get(host) ?? []).map((a) => a.address);

/** When to resolve again: every interval, sooner when a record's TTL is shorter (never under 1 s). */
export function nextResolveMs(intervalMs: number, ttls: readonly number[]): number {
  const ttlMs = ttls.length ? Math.min(...ttls) * 1000 : Infinity;
  return Math.max(MIN_RESOLVE_MS, Math.min(intervalMs, ttlMs));
}
