import type { TargetSpec } from '../core/types.js';

export type ProbeResult =
  | { readonly ok: true; readonly latencyMs: number; readonly detail: string }
  | { readonly ok: false; readonly detail: string };

/** One check of one target; must settle by itself once `signal` aborts (the check timeout). */
export type Probe = (target: TargetSpec, signal: AbortSignal) => Promise<ProbeResult>;
