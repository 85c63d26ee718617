import { isIP } from 'node:net';
import { formatHostPort, parseHostPort } from '../core/address.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { TargetSpec } from '../core/types.js';

// One discovered target as a TargetSpec. IPv6 addresses are written in their canonical form, so
// that every node of a fleet derives the same id from the same address however it was spelled
// (the consistent hash places targets by id).

export const canonicalHost = (host: string): string =>
  isIP(host) === 6 ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : host.toLowerCase();

export interface SpecFields {
  readonly host: string;
  readonly port: number;
  readonly weight?: number;
  readonly backup?: boolean;
  readonly maxConnections?: number | undefined;
}

export function discoveredSpec(f: SpecFields): TargetSpec {
  const host = canonicalHost(f.host);
  return {
    id: formatHostPort({ host, port: f.port }),
    host,
    port: f.port,
    weight: f.weight ?? 1,
    backup: f.backup ?? false,
    ...(f.maxConnections !== undefined ? { maxConnections: f.maxConnections } : {}),
  };
}

export const specFromAddress = (text: string, what: string): TargetSpec => discoveredSpec(parseHostPort(text, what));

/** Targets sorted by id, one per id (the last wins): snapshots compare and hash the same everywhere. */
export function canonicalTargets(specs: Iterable<TargetSpec>): TargetSpec[] {
  const byId = new Map<string, TargetSpec>();
  for (const s of specs) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function checkWeight(w: unknown, what: string): number {
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 1000)
    throw new InvalidArgumentError(`${what}: weight must be an integer from 1 to 1000`);
  return w;
}
