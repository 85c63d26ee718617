// Several runs of the same scenarios (pure): errors under churn depend on the request rate of a
// closed-loop client, which swings from run to run more than the proxies differ; the median of
// interleaved runs is the figure to compare (as `npm run bench` does).
import { median } from '../bench/results.js';
import { errorsPer10k, markdownTable, type ResultRow } from './table.js';

export interface RunsSummaryRow {
  readonly scenario: string;
  readonly system: string;
  /** Runs with figures, of all runs. */
  readonly runs: number;
  readonly requests: readonly number[];
  readonly failed: readonly number[];
  readonly per10k: readonly number[];
}

/** One row per scenario and system, in the order of the first run, with every run's figures. */
export function summarizeRuns(runs: readonly (readonly ResultRow[])[]): RunsSummaryRow[] {
  const out = new Map<
    string,
    { scenario: string; system: string; requests: number[]; failed: number[]; per10k: number[] }
  >();
  for (const rows of runs)
    for (const r of rows) {
      const key = `${r.scenario}\0${r.system}`;
      const s = out.get(key) ?? { scenario: r.scenario, system: r.system, requests: [], failed: [], per10k: [] };
      out.set(key, s);
      const f = r.figures;
      const e = f ? errorsPer10k(f) : undefined;
      if (!f || e === undefined) continue;
      s.requests.push(f.requests!);
      s.failed.push(f.failed!);
      s.per10k.push(e);
    }
  return [...out.values()].map((s) => ({ ...s, runs: s.per10k.length }));
}

const fmt = (v: number, digits: number): string => v.toFixed(digits);
const spread = (v: readonly number[], digits: number): string =>
  v.length === 0 ? '–' : `${fmt(median(v), digits)} (${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)})`;

/** Markdown: the median (min–max) over the runs of requests, failed requests and errors per 10k. */
export function renderRunsSummary(rows: readonly RunsSummaryRow[], total: number): string {
  const head = ['scenario', 'system', 'runs', 'requests', 'failed', 'errors /10k'];
  const body = rows
    .filter((r) => r.runs > 0)
    .map((r) => [
      r.scenario,
      r.system,
      `${r.runs}/${total}`,
      spread(r.requests, 0),
      spread(r.failed, 0),
      spread(r.per10k, 1),
    ]);
  return markdownTable(head, body);
}
