import { createHash } from 'node:crypto';
import { parseHostPort } from '../core/address.js';
import { ADMIN_STATES, type AdminState, type TargetSpec } from '../core/types.js';
import { checkWeight, discoveredSpec } from '../discovery/target-spec.js';

// The fleet's layout in etcd (pure), under the fleet prefix (default /tcp-loadbalancer/):
//   nodes/NAME                         this node's registration (JSON NodeRecord), under its lease
//   targets/POOL/TARGET/state          {"by": "lb-1", "state": "drain"}
//   targets/POOL/TARGET/weight         {"by": "lb-1", "weight": 3}
//   targets/POOL/TARGET/member         {"by": "lb-1", "member": true, "target": {"address": …, "weight": …}}
//                                      {"by": "lb-1", "member": false}
// One key per fact, so that two nodes changing two facts of one target never overwrite each other.

export type FleetFact =
  | { readonly kind: 'state'; readonly state: AdminState }
  | { readonly kind: 'weight'; readonly weight: number }
  | { readonly kind: 'member'; readonly member: true; readonly spec: TargetSpec }
  | { readonly kind: 'member'; readonly member: false };

export interface FleetChange {
  readonly pool: string;
  readonly id: string;
  readonly by: string;
  readonly fact: FleetFact;
}

export const nodesPrefix = (prefix: string): string => `${prefix}nodes/`;
export const targetsPrefix = (prefix: string): string => `${prefix}targets/`;
export const nodeKey = (prefix: string, name: string): string => `${nodesPrefix(prefix)}${name}`;
export const factKey = (
  prefix: string,
  c: Pick<FleetChange, 'pool' | 'id'> & { fact: Pick<FleetFact, 'kind'> },
): string => `${targetsPrefix(prefix)}${c.pool}/${c.id}/${c.fact.kind}`;

export function encodeFact(by: string, f: FleetFact): string {
  switch (f.kind) {
    case 'state':
      return JSON.stringify({ by, state: f.state });
    case 'weight':
      return JSON.stringify({ by, weight: f.weight });
    case 'member':
      return f.member
        ? JSON.stringify({
            by,
            member: true,
            target: {
              address: f.spec.id,
              weight: f.spec.weight,
              backup: f.spec.backup,
              ...(f.spec.maxConnections !== undefined ? { maxConnections: f.spec.maxConnections } : {}),
            },
          })
        : JSON.stringify({ by, member: false });
  }
}

/** A key under targets/ and its value, or why not. */
export function decodeFact(prefix: string, key: string, value: string): FleetChange {
  const rest = key.slice(targetsPrefix(prefix).length).split('/');
  if (rest.length !== 3) throw new Error(`fleet key ${key}: not POOL/TARGET/FACT`);
  const [pool, id, kind] = rest as [string, string, string];
  const where = `fleet key ${key}`;
  const v = JSON.parse(value) as Record<string, unknown>;
  const by = typeof v.by === 'string' ? v.by : 'unknown';
  if (kind === 'state') {
    if (!ADMIN_STATES.includes(v.state as AdminState))
      throw new Error(`${where}: state must be ${ADMIN_STATES.join(', ')}`);
    return { pool, id, by, fact: { kind, state: v.state as AdminState } };
  }
  if (kind === 'weight') return { pool, id, by, fact: { kind, weight: checkWeight(v.weight, where) } };
  if (kind !== 'member') throw new Error(`${where}: unknown fact "${kind}"`);
  if (v.member === false) return { pool, id, by, fact: { kind, member: false } };
  const t = v.target as Record<string, unknown> | undefined;
  if (v.member !== true || typeof t?.address !== 'string')
    throw new Error(`${where}: member must be false, or true with a target`);
  const hp = parseHostPort(t.address, where);
  const spec = discoveredSpec({
    ...hp,
    weight: t.weight === undefined ? 1 : checkWeight(t.weight, where),
    backup: t.backup === true,
    maxConnections: typeof t.maxConnections === 'number' ? t.maxConnections : undefined,
  });
  return { pool, id: spec.id, by, fact: { kind, member: true, spec } };
}

/** What every node of one fleet should have the same of: the config, less this node's own name. */
export function configHash(config: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, x]) => [k, canon(x)]),
      );
    return v;
  };
  const c = canon(config) as Record<string, unknown>;
  if (c.fleet && typeof c.fleet === 'object') c.fleet = { ...c.fleet, name: undefined };
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}
