import type { HealthState } from '../core/types.js';

export interface HealthCounter {
  readonly state: HealthState;
  readonly successes: number; // consecutive
  readonly failures: number; // consecutive
}

export const initialHealth: HealthCounter = { state: 'unknown', successes: 0, failures: 0 };

/**
 * Rise/fall hysteresis. A healthy (or not yet checked) target goes down after `fall` consecutive
 * failures; a down target comes back after `rise` consecutive successes; an unchecked target is
 * healthy after its first success.
 */
export function nextHealth(s: HealthCounter, ok: boolean, rise: number, fall: number): HealthCounter {
  if (ok) {
    const successes = s.successes + 1;
    const up = s.state === 'unhealthy' ? successes >= rise : true;
    return { state: up ? 'healthy' : 'unhealthy', successes, failures: 0 };
  }
  const failures = s.failures + 1;
  const down = s.state === 'unhealthy' || failures >= fall;
  return { state: down ? 'unhealthy' : s.state, successes: 0, failures };
}

/** Passive checks: a target marked down by traffic needs `rise` active successes to return. */
export const markedDown = (s: HealthCounter): HealthCounter => ({
  state: 'unhealthy',
  successes: 0,
  failures: s.failures,
});
