import type { HealthState } from '../core/types.js';

export interface HealthCounter {
  readonly state: HealthState;
  readonly successes: number; // consecutive
  readonly failures: number; // consecutive
  /**
   * This DOWN episode began with live traffic's mark (failed connects), not with failed checks:
   * the first successful check ends it.
   */
  readonly byTraffic?: boolean;
}

export const initialHealth: HealthCounter = { state: 'unknown', successes: 0, failures: 0 };

/**
 * Rise/fall hysteresis. A healthy (or not yet checked) target goes down after `fall` consecutive
 * failures; a down target comes back after `rise` consecutive successes, or after one when traffic
 * marked it down (see markedDown); an unchecked target is healthy after its first success.
 */
export function nextHealth(s: HealthCounter, ok: boolean, rise: number, fall: number): HealthCounter {
  if (ok) {
    const successes = s.successes + 1;
    const up = s.state === 'unhealthy' ? s.byTraffic === true || successes >= rise : true;
    if (!up) return { state: 'unhealthy', successes, failures: 0, ...(s.byTraffic ? { byTraffic: true } : {}) };
    return { state: 'healthy', successes, failures: 0 };
  }
  const failures = s.failures + 1;
  const down = s.state === 'unhealthy' || failures >= fall;
  // Failed checks while marked by traffic keep the mark: the backend is still restarting.
  const keep = s.state === 'unhealthy' && s.byTraffic === true;
  return { state: down ? 'unhealthy' : s.state, successes: 0, failures, ...(keep ? { byTraffic: true } : {}) };
}

/**
 * Passive checks: traffic marked the target down (`fall` failed connects in a row). What traffic
 * saw is connects refused or timing out, the signature of a crash or a restart, so one successful
 * check, which connects (and asks what the check asks), brings it back: `rise` guards against
 * flapping of checks, and a target that fails traffic again is marked again, its clients retried
 * elsewhere meanwhile. HAProxy never marks a target down from traffic without `observe`, and keeps
 * sending it connections: a restarted backend is back for it at once.
 */
export const markedDown = (s: HealthCounter): HealthCounter => ({
  state: 'unhealthy',
  successes: 0,
  failures: s.failures,
  byTraffic: true,
});
