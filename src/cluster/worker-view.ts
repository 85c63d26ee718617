import type { RelayStatus } from '../proxy/relay-choice.js';
import type { WorkerStats } from './messages.js';
import type { CrashRecord } from './restart-policy.js';

/** What the supervisor knows of one worker slot. */
export interface WorkerSlotState {
  readonly id: number;
  readonly pid: number | undefined;
  /** The live process, if any (none while a restart is pending). */
  readonly handle: unknown;
  readonly ready: boolean;
  readonly startedAt: number;
  readonly record: CrashRecord;
  readonly stats: WorkerStats | undefined;
}

export interface WorkerView {
  readonly id: number;
  readonly pid: number | null;
  readonly state: 'starting' | 'running' | 'restarting';
  readonly startedAt: string | null;
  readonly uptimeSeconds: number | null;
  /** Times this slot's worker died and was started again. */
  readonly restarts: number;
  /** Client connections open on this worker, as of its last report. */
  readonly activeConnections: number;
  /** Client connections this worker process accepted since it started (how evenly they share). */
  readonly totalConnections: number;
  /** The relay of this worker's new connections (native or js, and why), as of its last report. */
  readonly relay: RelayStatus | null;
}

/** The workers as GET /api/status shows them. */
export function workerViews(slots: readonly WorkerSlotState[], now: number): WorkerView[] {
  return slots.map((s) => {
    const state = !s.handle ? 'restarting' : s.ready ? 'running' : 'starting';
    return {
      id: s.id,
      pid: s.handle ? (s.pid ?? null) : null,
      state,
      startedAt: s.handle ? new Date(s.startedAt).toISOString() : null,
      uptimeSeconds: s.handle ? Math.round((now - s.startedAt) / 100) / 10 : null,
      restarts: s.record.restarts,
      activeConnections: s.stats?.connections ?? 0,
      totalConnections: s.stats?.listeners.reduce((n, l) => n + l.total, 0) ?? 0,
      relay: s.stats?.relay ?? null,
    };
  });
}
