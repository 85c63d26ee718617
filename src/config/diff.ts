import { formatHostPort, type HostPort } from '../core/address.js';
import type { Config, PoolConfig } from './schema.js';

// What a reload from one validated config to another changes: the single answer to "what
// changed" for App.apply, the reload log, `loadbalancer diff` and GET /api/config/diff. Pure.

/** One setting that differs, `from` → `to` (null: not set). `key` is a dotted path in its owner. */
export interface ValueChange {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
  /** A process setting a reload does not apply (the admin API, workers, log format): restart for it. */
  readonly restart?: true;
}

export interface ListenerChange {
  readonly name: string;
  readonly changes: readonly ValueChange[];
}

export interface TargetChange {
  /** `host:port`, as the API names targets. */
  readonly target: string;
  readonly changes: readonly ValueChange[];
}

export interface PoolChange {
  readonly name: string;
  /** Settings of the pool itself (algorithm, healthCheck.interval…); `targets.order` when only the order moved. */
  readonly changes: readonly ValueChange[];
  readonly targets: {
    readonly added: readonly string[];
    /** Removed targets drain: open connections finish, no new ones. */
    readonly removed: readonly string[];
    readonly changed: readonly TargetChange[];
  };
}

export interface Changes<C> {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly C[];
}

export interface ConfigDiff {
  readonly listeners: Changes<ListenerChange>;
  readonly pools: Changes<PoolChange>;
  /** Top-level settings: drainTimeout, keepAlive, log, admin, workers. */
  readonly settings: readonly ValueChange[];
}

/** Sections a reload leaves as the process started with them. */
const RESTART_ONLY = ['admin', 'workers', 'log.format', 'log.access', 'etcd', 'fleet'];
const needsRestart = (key: string): boolean => RESTART_ONLY.some((k) => key === k || key.startsWith(`${k}.`));

type Plain = Record<string, unknown>;
const isObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A parsed address (`bind`), exactly `{host, port}`: a health check's host and port are two settings. */
const isHostPort = (v: unknown): v is HostPort =>
  isObject(v) && typeof v.host === 'string' && typeof v.port === 'number' && Object.keys(v).length === 2;

const isSecret = (key: string): boolean => ['token', 'password'].some((k) => key === k || key.endsWith(`.${k}`));

/** A value as the diff shows it: addresses as `host:port`, secrets redacted, nothing undefined. */
function shown(v: unknown, key: string): unknown {
  if (v === undefined) return null;
  if (isSecret(key)) return '<redacted>';
  if (isHostPort(v)) return formatHostPort(v);
  if (Array.isArray(v)) return v.map((x) => shown(x, ''));
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shown(x, k)]));
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(shown(a, '')) === JSON.stringify(shown(b, ''));

/**
 * Leaf by leaf: nested mappings are walked (`healthCheck.interval`), lists and addresses compare
 * whole. Keys come in the order of `to` (the schema's order), then those only `from` has.
 */
export function valueChanges(from: unknown, to: unknown, prefix = '', skip: readonly string[] = []): ValueChange[] {
  const walk = (a: unknown, b: unknown, key: string, out: ValueChange[]): void => {
    if (isObject(a) && isObject(b) && !isHostPort(a) && !isHostPort(b)) {
      const keys = [...Object.keys(b), ...Object.keys(a).filter((k) => !(k in b))];
      for (const k of keys) if (!skip.includes(k) || key !== prefix) walk(a[k], b[k], key ? `${key}.${k}` : k, out);
      return;
    }
    const secret = isSecret(key);
    if (secret ? a === b : same(a, b)) return;
    out.push({ key, from: shown(a, key), to: shown(b, key), ...(needsRestart(key) ? { restart: true as const } : {}) });
  };
  const out: ValueChange[] = [];
  walk(from, to, prefix, out);
  return out;
}

function named<T, C>(
  from: Readonly<Record<string, T>>,
  to: Readonly<Record<string, T>>,
  change: (name: string, a: T, b: T) => C | undefined,
): Changes<C> {
  const changed: C[] = [];
  for (const [name, b] of Object.entries(to)) {
    const a = from[name];
    const c = a === undefined ? undefined : change(name, a, b);
    if (c !== undefined) changed.push(c);
  }
  return {
    added: Object.keys(to).filter((n) => !(n in from)),
    removed: Object.keys(from).filter((n) => !(n in to)),
    changed,
  };
}

const byId = (p: PoolConfig): Map<string, Plain> =>
  new Map(
    p.targets.map((t) => {
      const { host: _h, port: _p, ...settings } = t;
      return [formatHostPort(t), settings] as const;
    }),
  );

/** Targets by address; the order of the targets both lists keep counts too (`first` tries them in order). */
export function poolChange(name: string, from: PoolConfig, to: PoolConfig): PoolChange | undefined {
  const [a, b] = [byId(from), byId(to)];
  const targets = named(Object.fromEntries(a), Object.fromEntries(b), (target, x, y) => {
    const changes = valueChanges(x, y);
    return changes.length > 0 ? { target, changes } : undefined;
  });
  const changes = valueChanges(from, to, '', ['targets']);
  const keptOrder = (m: Map<string, Plain>, other: Map<string, Plain>): string[] =>
    [...m.keys()].filter((id) => other.has(id));
  const [before, after] = [keptOrder(a, b), keptOrder(b, a)];
  if (before.join() !== after.join()) changes.push({ key: 'targets.order', from: before, to: after });
  const untouched = changes.length + targets.added.length + targets.removed.length + targets.changed.length === 0;
  return untouched ? undefined : { name, changes, targets };
}

const EMPTY = { listeners: {}, pools: {} };

/** What applying `to` over `from` changes; `from` undefined: the first apply, everything is added. */
export function diffConfigs(from: Config | undefined, to: Config): ConfigDiff {
  const prev = from ?? EMPTY;
  const listeners = named(prev.listeners, to.listeners, (name, a, b) => {
    const changes = valueChanges(a, b);
    return changes.length > 0 ? { name, changes } : undefined;
  });
  const pools = named(prev.pools, to.pools, poolChange);
  const rest = (c: Config | typeof EMPTY): Plain => {
    const { listeners: _l, pools: _p, ...settings } = c as Plain;
    return settings;
  };
  return { listeners, pools, settings: from ? valueChanges(rest(from), rest(to)) : [] };
}

/** Whether the diff changes nothing at all. */
export const isEmptyDiff = (d: ConfigDiff): boolean =>
  [d.listeners, d.pools].every((s) => s.added.length + s.removed.length + s.changed.length === 0) &&
  d.settings.length === 0;

/** The diff of a config with itself. */
export const NO_DIFF: ConfigDiff = {
  listeners: { added: [], removed: [], changed: [] },
  pools: { added: [], removed: [], changed: [] },
  settings: [],
};
