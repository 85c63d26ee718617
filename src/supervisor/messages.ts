import type { SavedState } from '../state/saved-state.js';
import type { ServiceState } from './sd-notify.js';
import type { SocketSpec } from './socket-spec.js';

// The IPC between the supervisor and a program generation. Every message has `lb` (so that
// nothing else on the channel is mistaken for one) and a type.

export interface UpgradeResult {
  readonly ok: boolean;
  /** The generation serving after the attempt. */
  readonly generation: number;
  readonly version: string;
  /** Why the new program did not take over (the old one keeps serving). */
  readonly error?: string;
}

/** Generation → supervisor. */
export type FromGeneration =
  | { readonly lb: 'socket'; readonly id: number; readonly spec: SocketSpec }
  | { readonly lb: 'keep'; readonly id: number; readonly specs: readonly SocketSpec[] }
  | { readonly lb: 'ready'; readonly version: string }
  | { readonly lb: 'upgrade'; readonly id: number }
  | { readonly lb: 'notify'; readonly state: ServiceState; readonly status?: string | undefined }
  | { readonly lb: 'inherit-state'; readonly id: number }
  | { readonly lb: 'state'; readonly id: number; readonly state: SavedState | null };

/** Supervisor → generation. */
export type ToGeneration =
  | { readonly lb: 'socket'; readonly id: number; readonly error?: string; readonly errno?: string }
  | { readonly lb: 'keep'; readonly id: number }
  | { readonly lb: 'upgrade'; readonly id: number; readonly result: UpgradeResult }
  | { readonly lb: 'inherit-state'; readonly id: number; readonly state: SavedState | null }
  | { readonly lb: 'state'; readonly id: number }
  | { readonly lb: 'retire' };

const isMessage = (m: unknown): m is { lb: string } =>
  typeof m === 'object' && m !== null && typeof (m as { lb?: unknown }).lb === 'string';

export const isFromGeneration = (m: unknown): m is FromGeneration => isMessage(m);
export const isToGeneration = (m: unknown): m is ToGeneration => isMessage(m);

/** The env a generation is started with: its number (1, 2…). */
export const GENERATION_ENV = 'LB_GENERATION';
/** `0` runs the program without a supervisor (no upgrade; the started process carries traffic). */
export const SUPERVISOR_ENV = 'LB_SUPERVISOR';
