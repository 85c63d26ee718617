import type { TargetId } from '../core/types.js';

/**
 * What a data plane's sessions report of their connects: the passive half of health. The
 * control plane owns the checks, the rise/fall state machine and (in its target store) the
 * verdict; in one process this goes to its checkers directly, from a cluster worker over IPC
 * (src/cluster/remote-health.ts).
 */
export interface PassiveHealth {
  /** A connect from real traffic failed. */
  reportConnectFailure(id: TargetId, detail: string): void;
  reportConnectSuccess(id: TargetId): void;
  /** The target left the pool: forget what was reported of it. */
  forget?(id: TargetId): void;
}
