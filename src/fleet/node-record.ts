// A node's registration in the fleet (pure): what GET /api/nodes lists.

export interface NodeRecord {
  readonly name: string;
  /** Its admin API (http://HOST:PORT), when it has one. */
  readonly adminUrl: string | null;
  readonly version: string;
  readonly startedAt: string;
  readonly configHash: string;
  /** The etcd revision of the fleet's shared state this node has applied. */
  readonly revision: number;
}

export interface NodesView {
  readonly self: string;
  readonly nodes: readonly (NodeRecord & { readonly self: boolean; readonly configDiffers: boolean })[];
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
    };
  } catch {
    return undefined;
  }
}

/** The live nodes by name; a node differs when its hash is not this node's. */
export function nodesView(self: NodeRecord, records: readonly NodeRecord[]): NodesView {
  const byName = new Map(records.map((r) => [r.name, r]));
  if (!byName.has(self.name)) byName.set(self.name, self); // registering (or etcd away): still listed
  const nodes = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const configHashes: Record<string, string[]> = {};
  for (const n of nodes) (configHashes[n.configHash] ??= []).push(n.name);
  return {
    self: self.name,
    nodes: nodes.map((n) => ({ ...n, self: n.name === self.name, configDiffers: n.configHash !== self.configHash })),
    configHashes,
    sameConfig: Object.keys(configHashes).length === 1,
  };
}
