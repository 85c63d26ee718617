import type { Figure } from './workload.js';
import type { Running } from './systems.js';

/**
 * How evenly the workers took the connections of one run: the busiest worker's share, in percent
 * of the connections accepted between `before` and `after` (per worker). 100/N is perfectly even.
 */
export function spreadFigures(before: readonly number[], after: readonly number[]): Figure[] {
  // A worker restarted during the run starts again from 0: count only its new connections.
  const delta = after.map((n, i) => (n >= (before[i] ?? 0) ? n - (before[i] ?? 0) : n));
  const sum = delta.reduce((a, b) => a + b, 0);
  if (delta.length < 2 || sum === 0) return [];
  return [
    {
      metric: `busiest worker's share (even: ${Math.round(100 / delta.length)}%)`,
      unit: '%',
      better: 'lower',
      value: (Math.max(...delta) / sum) * 100,
      ratio: false,
    },
  ];
}

/** Runs `body` and reports how the workers of `target` shared its connections (nothing without workers). */
export async function withSpread<T>(target: Running, body: () => Promise<T>): Promise<{ result: T; spread: Figure[] }> {
  const read = target.workerConnections;
  if (!read) return { result: await body(), spread: [] };
  const before = await read();
  const result = await body();
  return { result, spread: spreadFigures(before, await read()) };
}
