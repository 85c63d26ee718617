import { medianOf, ratioOf, type Row } from './results.js';

/** 12.3k, 845, 12.4, 0.91: three significant digits, k/M suffixes for large numbers. */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Median, and the range of the runs when there were several. */
export function formatCell(runs: readonly number[] | undefined, median: number | undefined): string {
  if (!runs || runs.length === 0 || median === undefined) return '–';
  if (runs.length === 1) return formatNumber(median);
  return `${formatNumber(median)} (${formatNumber(Math.min(...runs))}–${formatNumber(Math.max(...runs))})`;
}

export interface Column {
  readonly id: string;
  readonly label: string;
}

/**
 * A Markdown table: one row per figure, one column per system (median and range of the runs),
 * then, for each of our variants, its ratio to HAProxy and to a direct connection.
 */
export function renderTable(rows: readonly Row[], systems: readonly Column[], ours: readonly Column[]): string {
  const head = ['workload', 'figure', ...systems.map((s) => s.label)];
  for (const o of ours) head.push(`${o.label} / HAProxy`, `${o.label} / direct`);
  const body = rows.map((r) => {
    const cells = [r.workload, `${r.metric} (${r.unit})`];
    for (const s of systems) cells.push(formatCell(r.runs.get(s.id), medianOf(r, s.id)));
    for (const o of ours) {
      const mine = medianOf(r, o.id);
      const x = (other: string): string => {
        const q = r.ratio ? ratioOf(mine, medianOf(r, other)) : undefined;
        return q === undefined ? '–' : `${q.toFixed(2)}x`;
      };
      cells.push(x('haproxy'), x('direct'));
    }
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}
