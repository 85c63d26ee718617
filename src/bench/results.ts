import type { Figure } from './workload.js';

/** All runs of one figure of one workload, per system id. */
export interface Row {
  readonly workload: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly ratio: boolean;
  readonly runs: Map<string, number[]>;
}

/** Collects figures in the order they first appear. */
export class Results {
  readonly rows: Row[] = [];

  add(workload: string, system: string, figures: readonly Figure[]): void {
    for (const f of figures) {
      let row = this.rows.find((r) => r.workload === workload && r.metric === f.metric);
      if (!row) {
        row = { workload, metric: f.metric, unit: f.unit, better: f.better, ratio: f.ratio ?? true, runs: new Map() };
        this.rows.push(row);
      }
      const list = row.runs.get(system) ?? [];
      list.push(f.value);
      row.runs.set(system, list);
    }
  }

  get(workload: string, metric: string): Row | undefined {
    return this.rows.find((r) => r.workload === workload && r.metric === metric);
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const medianOf = (row: Row | undefined, system: string): number | undefined => {
  const runs = row?.runs.get(system);
  return runs && runs.length > 0 ? median(runs) : undefined;
};

/** a / b when both exist and b is not zero. */
export const ratioOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 || !Number.isFinite(a / b) ? undefined : a / b;
