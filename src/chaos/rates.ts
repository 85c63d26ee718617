// Request rates inside and outside time windows (pure): under churn, the rate while every backend
// is up against the rate while one is down tells the cost of the churn itself from the proxy's
// throughput on this machine.

export interface Window {
  readonly from: number;
  readonly to: number;
}

/**
 * Requests a second completed inside the windows and outside them, over [start, end]. `times` are
 * completion times on the windows' clock; windows do not overlap.
 */
export function ratesAround(
  times: readonly number[],
  windows: readonly Window[],
  start: number,
  end: number,
): { inside: number | undefined; outside: number | undefined } {
  const clipped = windows
    .map((w) => ({ from: Math.max(start, w.from), to: Math.min(end, w.to) }))
    .filter((w) => w.to > w.from);
  const insideMs = clipped.reduce((a, w) => a + (w.to - w.from), 0);
  const outsideMs = end - start - insideMs;
  let inside = 0;
  let outside = 0;
  for (const t of times) {
    if (t < start || t > end) continue;
    if (clipped.some((w) => t >= w.from && t < w.to)) inside++;
    else outside++;
  }
  return {
    inside: insideMs > 0 ? (inside * 1000) / insideMs : undefined,
    outside: outsideMs > 0 ? (outside * 1000) / outsideMs : undefined,
  };
}
