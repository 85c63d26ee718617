import { writeFileSync } from 'node:fs';
import { checkBar, checkUdpGoal, renderBar } from './bar.js';
import { UDP_SESSION_LABELS } from './workloads-udp.js';
import { median, type Results } from './results.js';
import { renderTable, type Column } from './table.js';
import type { Machine } from './env-info.js';

export interface Report {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly versions: Record<string, string | undefined>;
  readonly method: Record<string, unknown>;
  readonly systems: readonly Column[];
  readonly ours: readonly Column[];
  readonly notes: readonly string[];
  readonly results: Results;
}

export function renderReport(r: Report): string {
  const m = r.machine;
  const v = Object.entries(r.versions)
    .map(([k, ver]) => `${k} ${ver ?? 'missing'}`)
    .join(', ');
  const lines = [
    `machine: ${m.cpu}, ${m.cores} CPUs, ${m.memoryGiB} GiB, Linux ${m.kernel}; load average at start ${m.loadAverage.join(' ')}`,
    `versions: ${v}`,
    `method: ${Object.entries(r.method)
      .map(([k, x]) => `${k}=${String(x)}`)
      .join(', ')}`,
    '',
    renderTable(r.results.rows, r.systems, r.ours),
    '',
    "Cells: median (min–max) of the runs. CPU figures are the proxy process tree's user+system time from /proc.",
  ];
  if (r.systems.some((s) => s.id === 'haproxy'))
    for (const o of r.ours) lines.push('', renderBar(o.label, checkBar(r.results, o.id)));
  if (r.systems.some((s) => s.id === 'nginx') && r.results.rows.some((row) => row.workload === 'udp'))
    for (const o of r.ours)
      lines.push('', renderBar(o.label, checkUdpGoal(r.results, o.id, UDP_SESSION_LABELS), 'The UDP goal (issue 13)'));
  if (r.notes.length > 0) lines.push('', 'notes:', ...r.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

export function writeJson(file: string, r: Report): void {
  const rows = r.results.rows.map((row) => ({
    workload: row.workload,
    metric: row.metric,
    unit: row.unit,
    better: row.better,
    systems: Object.fromEntries([...row.runs].map(([id, runs]) => [id, { median: median(runs), runs }])),
  }));
  const bar = Object.fromEntries(r.ours.map((o) => [o.id, checkBar(r.results, o.id)]));
  const udpGoal = Object.fromEntries(r.ours.map((o) => [o.id, checkUdpGoal(r.results, o.id, UDP_SESSION_LABELS)]));
  const { results: _results, ...meta } = r;
  writeFileSync(file, `${JSON.stringify({ ...meta, rows, bar, udpGoal }, null, 2)}\n`);
}
