import type { TargetId } from '../core/types.js';
import type { PassiveHealth } from '../health/health-control.js';

export interface PassiveReport {
  readonly pool: string;
  readonly target: TargetId;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * A worker's passive health: the primary's control plane runs the checks and the rise/fall
 * state machine once for all workers; a worker only tells it what its own traffic saw. Every
 * failed connect is reported, but a success only when it follows a failure this worker reported
 * (it resets the primary's count): reporting every connect would put IPC on the hot path.
 */
export class RemoteHealth implements PassiveHealth {
  readonly #failing = new Set<TargetId>();
  /** When a success on a DOWN target was last reported (at most one a second each). */
  readonly #downReported = new Map<TargetId, number>();

  constructor(
    private readonly pool: string,
    private readonly report: (r: PassiveReport) => void,
    /** Whether this worker's view has the target DOWN (a last-resort connection reached it). */
    private readonly isDown: (target: TargetId) => boolean = () => false,
    private readonly now: () => number = () => performance.now(),
  ) {}

  reportConnectFailure(target: TargetId, detail: string): void {
    this.#failing.add(target);
    this.report({ pool: this.pool, target, ok: false, detail });
  }

  reportConnectSuccess(target: TargetId): void {
    if (this.#failing.delete(target)) return this.report({ pool: this.pool, target, ok: true, detail: 'connected' });
    if (!this.isDown(target)) return;
    // A DOWN target took a connection: the primary pulls its next check forward (once is enough).
    const now = this.now();
    if (now - (this.#downReported.get(target) ?? -Infinity) < 1000) return;
    this.#downReported.set(target, now);
    this.report({ pool: this.pool, target, ok: true, detail: 'connected' });
  }

  forget(target: TargetId): void {
    this.#failing.delete(target);
    this.#downReported.delete(target);
  }
}
