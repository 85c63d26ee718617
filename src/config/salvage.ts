import {
  adminSchema,
  configSchema,
  healthCheckSchema,
  listenerSchema,
  poolSchema,
  targetSchema,
  type Config,
} from './schema.js';

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = (v: unknown): [string, unknown][] => (isDict(v) ? Object.entries(v) : []);

/**
 * What can be made of a config the schema rejected, so that the cross-checks (unknown pool,
 * duplicate address or target…) still run and one `check` reports every problem. Listeners that
 * do not parse are left out (unknown keys aside); a pool that does not parse keeps its name, its valid targets (an
 * invalid one becomes a placeholder, so indexes stay right) and its check if that parses.
 */
export function salvageConfig(input: unknown): Config | undefined {
  if (!isDict(input)) return undefined;
  const base = configSchema.parse({ listeners: {}, pools: {} });
  const listeners: Config['listeners'] = {};
  for (const [name, v] of entries(input.listeners)) {
    const r = listenerSchema.strip().safeParse(v);
    if (r.success) listeners[name] = r.data;
  }
  const pools: Config['pools'] = {};
  for (const [name, v] of entries(input.pools)) {
    const r = poolSchema.strip().safeParse(v);
    pools[name] = r.success ? r.data : salvagePool(v);
  }
  const admin = adminSchema.safeParse(input.admin);
  return { ...base, listeners, pools, admin: admin.success ? admin.data : undefined };
}

function salvagePool(v: unknown): Config['pools'][string] {
  const base = poolSchema.parse({});
  const raw = isDict(v) ? v : {};
  const targets = (Array.isArray(raw.targets) ? (raw.targets as unknown[]) : []).map(
    (t, i) => targetSchema.safeParse(t).data ?? { host: '(invalid)', port: i, weight: 1, backup: false },
  );
  const hc = healthCheckSchema.strip().safeParse(raw.healthCheck ?? {});
  return { ...base, targets, healthCheck: hc.success ? hc.data : base.healthCheck };
}
