import type { TargetSpec } from '../core/types.js';

export type ProbeResult =
  | { readonly ok: true; readonly latencyMs: number; readonly detail: string }
  | {
      readonly ok: false;
      readonly detail: string;
      /** The check failed on this host (out of descriptors, buffers, ports), not at the target. */
      readonly local?: true;
    };

/** Errors of this host, not of the target: a check failing so says nothing of the target. */
const LOCAL_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL']);

/** Whether a socket error is this host's (out of descriptors, buffers, ports), not the target's. */
export const isLocalError = (e: NodeJS.ErrnoException): boolean => e.code !== undefined && LOCAL_ERRORS.has(e.code);

/** The failed result of a socket error, `local` when the error is this host's. */
export const socketFailure = (what: string, e: NodeJS.ErrnoException): ProbeResult => ({
  ok: false,
  detail: `${what} ${e.code ?? e.message}`,
  ...(isLocalError(e) ? { local: true as const } : {}),
});

/** One check of one target; must settle by itself once `signal` aborts (the check timeout). */
export type Probe = (target: TargetSpec, signal: AbortSignal) => Promise<ProbeResult>;
