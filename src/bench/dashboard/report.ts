import { formatNumber } from '../table.js';
import type { PageFigures, StreamFigures } from './measure.js';
import type { DashboardBenchOptions } from './options.js';

export interface DashboardReport {
  readonly options: DashboardBenchOptions;
  readonly connectionsHeld: number;
  readonly node: string;
  /** 1, 5 and 15 minute load averages at the start and at the end. */
  readonly loadAverage: readonly (readonly number[])[];
  /** The balancer's CPU (every process of it), % of one core, in each phase. */
  readonly balancerCpuPercent: { readonly idle: number; readonly stream: number; readonly page: number };
  readonly stream: StreamFigures;
  readonly page: PageFigures;
}

const kb = (bytes: number): string => `${formatNumber(bytes / 1024)} KB`;
const pct = (v: number): string => `${formatNumber(v)} %`;

/** A Markdown table of the figures, with what was measured above it. */
export function renderDashboardReport(r: DashboardReport): string {
  const o = r.options;
  const rows: [string, string][] = [
    ['balancer CPU, no dashboard', pct(r.balancerCpuPercent.idle)],
    ['balancer CPU, one event stream open', pct(r.balancerCpuPercent.stream)],
    ['balancer CPU, the page open', pct(r.balancerCpuPercent.page)],
    [
      'event stream: first event (full state)',
      `${kb(r.stream.snapshotBytes)} in ${formatNumber(r.stream.snapshotMs)} ms`,
    ],
    ['event stream: sent a second after it', kb(r.stream.bytesPerSecond)],
    ['stats event: mean / largest', `${kb(r.stream.statsMeanBytes)} / ${kb(r.stream.statsMaxBytes)}`],
    ['events other than stats in the phase', String(r.stream.otherEvents)],
    ['page: every target shown after', `${formatNumber(r.page.loadMs)} ms`],
    ['page: main thread busy', pct(r.page.mainThreadPercent)],
    ['page: of which JavaScript / style and layout', `${pct(r.page.scriptPercent)} / ${pct(r.page.layoutPercent)}`],
    ['chromium, every process', pct(r.page.chromiumPercent)],
    ['page: JS heap / DOM nodes', `${formatNumber(r.page.jsHeapMiB)} MiB / ${formatNumber(r.page.domNodes)}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => x.length));
  return [
    `${o.pools} pools x ${o.targets} targets, ${r.connectionsHeld} connections held, ${o.churn} new connections/s,` +
      ` ${o.seconds} s per phase, ${o.workers ? `--workers ${o.workers}` : 'one process'}, Node ${r.node};` +
      ` load average ${r.loadAverage.map((l) => l.join(' ')).join(' -> ')}`,
    '',
    `| ${'figure'.padEnd(w)} | ${'value'.padStart(v)} |`,
    `|${'-'.repeat(w + 2)}|${'-'.repeat(v + 1)}:|`,
    ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padStart(v)} |`),
  ].join('\n');
}
