import type { TargetId, TargetSpec } from '../core/types.js';
import type { HealthSettings } from './health-checker.js';
import type { Probe } from './probe.js';

/**
 * What a pool needs of the health of its targets. In one process that is the HealthChecker; in
 * a cluster worker it is a relay that reports passive results to the primary, which owns the
 * checks and the state machine (src/cluster/remote-health.ts).
 */
export interface HealthControl {
  track(spec: TargetSpec): void;
  untrack(id: TargetId): void;
  /** New settings apply from each target's next check; health state is kept. */
  reconfigure(settings: HealthSettings, probe: Probe): void;
  /** Passive check: a connect from real traffic failed. */
  reportConnectFailure(id: TargetId, detail: string): void;
  reportConnectSuccess(id: TargetId): void;
  stop(): Promise<void>;
}

/** What a session reports: the passive half. */
export type PassiveHealth = Pick<HealthControl, 'reportConnectFailure' | 'reportConnectSuccess'>;
