import type { HealthState } from '../core/types.js';

/**
 * Delay until the next check: the interval spread by ±jitter so that many targets (and many
 * balancer nodes) do not probe in lockstep.
 */
export function nextCheckDelay(intervalMs: number, jitter: number, random: () => number): number {
  const spread = intervalMs * jitter;
  return Math.max(1, Math.round(intervalMs - spread + random() * 2 * spread));
}

/** First check soon after start, spread over a tenth of the interval (at most 1 s). */
export function firstCheckDelay(intervalMs: number, random: () => number): number {
  return Math.round(random() * Math.min(intervalMs / 10, 1000));
}

/**
 * Which interval the next check waits (HAProxy's inter/fastinter/downinter): the fast one while the
 * target is in transition or was marked DOWN by traffic, the down one while it is DOWN by checks.
 */
export function checkInterval(
  s: { readonly intervalMs: number; readonly fastIntervalMs?: number; readonly downIntervalMs?: number },
  h: { readonly state: HealthState; readonly successes: number; readonly failures: number },
  markedByTraffic: boolean,
): number {
  const fast = s.fastIntervalMs ?? s.intervalMs;
  if (h.state === 'unhealthy') return markedByTraffic || h.successes > 0 ? fast : (s.downIntervalMs ?? s.intervalMs);
  return h.failures > 0 ? fast : s.intervalMs;
}
