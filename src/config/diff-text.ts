import { formatDuration } from '../core/duration.js';
import type { ConfigDiff, ValueChange } from './diff.js';

// A ConfigDiff as lines for people (`loadbalancer diff`, the reload log), one change a line:
//   + listener api
//   ~ pool web healthCheck.interval: 2s → 1s
//   - pool web target 127.0.0.1:5001
// Sections in a fixed order (listeners, pools, settings), names in config order: stable output.

/** Keys whose numbers are milliseconds (the validated config holds durations in ms). */
const DURATIONS = new Set([
  'interval',
  'timeout',
  'connectTimeout',
  'idleTimeout',
  'passiveFailTimeout',
  'queueTimeout',
  'handshakeTimeout',
  'clientHelloTimeout',
  'drainTimeout',
  'keepAlive',
]);

function show(v: unknown, key: string): string {
  if (v === null) return '(none)';
  if (typeof v === 'number' && DURATIONS.has(key.slice(key.lastIndexOf('.') + 1))) return formatDuration(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[${v.join(', ')}]`;
  return JSON.stringify(v);
}

const values = (c: ValueChange): string =>
  `${c.key}: ${show(c.from, c.key)} → ${show(c.to, c.key)}${c.restart ? ' (takes effect at the next start)' : ''}`;

/** The changes one per line; an empty list when there is nothing to change. */
export function diffLines(d: ConfigDiff): string[] {
  const lines: string[] = [];
  lines.push(...d.listeners.added.map((n) => `+ listener ${n}`));
  lines.push(...d.listeners.removed.map((n) => `- listener ${n}`));
  for (const l of d.listeners.changed) lines.push(...l.changes.map((c) => `~ listener ${l.name} ${values(c)}`));
  lines.push(...d.pools.added.map((n) => `+ pool ${n}`));
  lines.push(...d.pools.removed.map((n) => `- pool ${n}`));
  for (const p of d.pools.changed) {
    lines.push(...p.changes.map((c) => `~ pool ${p.name} ${values(c)}`));
    lines.push(...p.targets.added.map((t) => `+ pool ${p.name} target ${t}`));
    lines.push(...p.targets.removed.map((t) => `- pool ${p.name} target ${t}`));
    for (const t of p.targets.changed)
      lines.push(...t.changes.map((c) => `~ pool ${p.name} target ${t.target} ${values(c)}`));
  }
  lines.push(...d.settings.map((c) => `~ ${values(c)}`));
  return lines;
}
