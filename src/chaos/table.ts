// The results table (pure): one row per scenario and system, Markdown.
import type { Figures } from './scenario.js';

export interface ResultRow {
  readonly scenario: string;
  readonly system: string;
  readonly figures?: Figures;
  /** Why there are no figures: the scenario failed to run, or does not apply. */
  readonly note?: string;
}

export const HEAD = [
  'scenario',
  'system',
  'requests',
  'failed',
  'errors /10k',
  'bytes intact',
  'recovery',
  'RSS MB before → after',
  'fds before → after',
  'detail',
] as const;

const dash = '–';

export function errorsPer10k(f: Figures): number | undefined {
  if (f.requests === undefined || f.failed === undefined || f.requests === 0) return undefined;
  return (f.failed / f.requests) * 10_000;
}

const num = (v: number): string => (v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(v < 1 ? 2 : 1));
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const ms = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

/** "71 at a kill, 0 other" where the scenario tells the failures a backend kill caused. */
function split(total: number, atKill: number | undefined, fmt: (v: number) => string): string {
  return atKill === undefined ? fmt(total) : `${fmt(atKill)} at a kill, ${fmt(total - atKill)} other`;
}

export function cells(r: ResultRow): string[] {
  const f = r.figures;
  if (!f) return [r.scenario, r.system, dash, dash, dash, dash, dash, dash, dash, r.note ?? dash];
  const e = errorsPer10k(f);
  const per10k = (n: number): string => num((n / f.requests!) * 10_000);
  const pair = (a: number | undefined, b: number | undefined, fmt: (v: number) => string): string =>
    a === undefined || b === undefined ? dash : `${fmt(a)} → ${fmt(b)}`;
  return [
    r.scenario,
    r.system,
    f.requests === undefined ? dash : String(f.requests),
    f.failed === undefined ? dash : split(f.failed, f.failedAtKill, String),
    e === undefined ? dash : split(f.failed!, f.failedAtKill, per10k),
    f.intact ? `${f.intact.ok}/${f.intact.total}` : dash,
    f.recoveryMs === undefined ? dash : ms(f.recoveryMs),
    pair(f.before?.rssBytes, f.after?.rssBytes, mb),
    pair(f.before?.fds, f.after?.fds, String),
    f.detail,
  ];
}

export function renderTable(rows: readonly ResultRow[]): string {
  return markdownTable(HEAD, rows.map(cells));
}

/** A Markdown table with padded columns (readable as text too). */
export function markdownTable(head: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: readonly string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}
