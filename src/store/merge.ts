import type { AdminState, TargetId, TargetSpec } from '../core/types.js';
import { PRECEDENCE, type SourceKind, type TargetOverride } from './types.js';

// The precedence rule, in code once: layers apply in (rank, revision) order, and each states
// facts that replace those of the layers before it. Pure: values in, values out.

export interface Layer {
  readonly source: string;
  readonly kind: Exclude<SourceKind, 'override'>;
  readonly revision: number;
  readonly specs: readonly TargetSpec[];
}

export interface OverrideEntry {
  readonly origin: string;
  readonly id: TargetId;
  readonly override: TargetOverride;
  readonly revision: number;
}

export interface Merged {
  readonly spec: TargetSpec;
  readonly admin: AdminState;
  readonly sources: readonly string[];
}

const byRank =
  <T extends { revision: number }>(rank: (x: T) => number) =>
  (a: T, b: T) =>
    rank(a) - rank(b) || a.revision - b.revision;

/** Membership, specs and admin state of one pool from its layers and overrides, in target order. */
export function mergeTargets(layers: readonly Layer[], overrides: readonly OverrideEntry[]): Map<TargetId, Merged> {
  const out = new Map<TargetId, { spec: TargetSpec; admin: AdminState; sources: string[] }>();
  for (const layer of [...layers].sort(byRank((l) => PRECEDENCE[l.kind])))
    for (const spec of layer.specs) {
      const prev = out.get(spec.id);
      if (prev) {
        prev.spec = spec;
        prev.sources.push(layer.source);
      } else out.set(spec.id, { spec, admin: 'ready', sources: [layer.source] });
    }
  for (const { origin, id, override: o } of [...overrides].sort(byRank(() => PRECEDENCE.override))) {
    if (o.member === false) {
      out.delete(id);
      continue;
    }
    let t = out.get(id);
    if (o.member === true && o.spec) {
      if (t) t.spec = o.spec;
      else out.set(id, (t = { spec: o.spec, admin: 'ready', sources: [] }));
      if (!t.sources.includes(origin)) t.sources.push(origin);
    }
    if (!t) continue; // an override of a target no source names (yet): it waits
    if (o.weight !== undefined) t.spec = { ...t.spec, weight: o.weight };
    if (o.admin !== undefined) t.admin = o.admin;
  }
  return out;
}

/** `id weight backup` of every member, sorted: equal keys mean the same membership and weights. */
export const membershipKey = (specs: Iterable<TargetSpec>): string =>
  [...specs]
    .map((s) => `${s.id} ${s.weight} ${s.backup}`)
    .sort()
    .join(',');

export const sameSpec = (a: TargetSpec, b: TargetSpec): boolean =>
  a.weight === b.weight &&
  a.backup === b.backup &&
  a.maxConnections === b.maxConnections &&
  a.host === b.host &&
  a.port === b.port;
