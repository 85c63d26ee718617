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
