import type { HealthState } from '../core/types.js';

// A node's registration in the fleet (pure): what GET /api/nodes lists.

/** pool → target → health, as one node's checks see them. */
export type NodeHealth = Readonly<Record<string, Readonly<Record<string, HealthState>>>>;

export interface NodeRecord {
  readonly name: string;
  /** Its admin API (http://HOST:PORT), when it has one. */
  readonly adminUrl: string | null;
  readonly version: string;
  readonly startedAt: string;
  readonly configHash: string;
  /** The etcd revision of the fleet's shared state this node has applied. */
  readonly revision: number;
  /** Its view of its targets' health (GET /api/status shows the others'; /api/nodes leaves it out). */
  readonly health?: NodeHealth;
}

export interface NodesView {
  readonly self: string;
  readonly nodes: readonly (Omit<NodeRecord, 'health'> & { readonly self: boolean; readonly configDiffers: boolean })[];
  /** config hash → the nodes running it; more than one key: the nodes do not run the same config. */
  readonly configHashes: Readonly<Record<string, readonly string[]>>;
  readonly sameConfig: boolean;
}

export function parseNodeRecord(value: string): NodeRecord | undefined {
  try {
    const v = JSON.parse(value) as Partial<NodeRecord>;
    if (typeof v.name !== 'string' || typeof v.configHash !== 'string') return undefined;
    return {
      name: v.name,
      adminUrl: typeof v.adminUrl === 'string' ? v.adminUrl : null,
      version: typeof v.version === 'string' ? v.version : 'unknown',
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
      configHash: v.configHash,
      revision: typeof v.revision === 'number' ? v.revision : 0,
      ...(isHealth(v.health) ? { health: v.health } : {}),
    };
  } catch {
    return undefined;
  }
}

const byNodeName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The live nodes by name; a node differs when its hash is not this node's. */
export function nodesView(self: NodeRecord, records: readonly NodeRecord[]): NodesView {
  const byName = new Map(records.map((r) => [r.name, r]));
  if (!byName.has(self.name)) byName.set(self.name, self); // registering (or etcd away): still listed
  const nodes = [...byName.values()].sort(byNodeName);
  const configHashes: Record<string, string[]> = {};
  for (const n of nodes) (configHashes[n.configHash] ??= []).push(n.name);
  return {
    self: self.name,
    nodes: nodes.map(({ health: _health, ...n }) => ({
      ...n,
      self: n.name === self.name,
      configDiffers: n.configHash !== self.configHash,
    })),
    configHashes,
    sameConfig: Object.keys(configHashes).length === 1,
  };
}

const HEALTH_STATES: readonly unknown[] = ['unknown', 'healthy', 'unhealthy'] satisfies HealthState[];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A node of another version may publish anything: only a well-formed view is taken. */
const isHealth = (v: unknown): v is NodeHealth =>
  isRecord(v) && Object.values(v).every((p) => isRecord(p) && Object.values(p).every((h) => HEALTH_STATES.includes(h)));

/** The health of this node's targets, from the store's snapshot, for its registration. */
export function healthOf(
  pools: Readonly<Record<string, { readonly targets: readonly { id: string; health: HealthState }[] }>>,
): NodeHealth {
  return Object.fromEntries(
    Object.entries(pools).map(([name, p]) => [name, Object.fromEntries(p.targets.map((t) => [t.id, t.health]))]),
  );
}

/**
 * What the other nodes' checks say of each target: pool → target → node → health. A node that
 * does not have the target (or has not published yet) is not named.
 */
export function othersHealth(
  self: string,
  records: readonly NodeRecord[],
): Map<string, Map<string, Record<string, HealthState>>> {
  const out = new Map<string, Map<string, Record<string, HealthState>>>();
  for (const r of [...records].sort(byNodeName)) {
    if (r.name === self || !r.health) continue;
    for (const [pool, targets] of Object.entries(r.health)) {
      const byTarget = out.get(pool) ?? out.set(pool, new Map()).get(pool)!;
      for (const [id, h] of Object.entries(targets)) (byTarget.get(id) ?? byTarget.set(id, {}).get(id)!)[r.name] = h;
    }
  }
  return out;
}
