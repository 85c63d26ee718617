import { InvalidArgumentError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

/** Parses `500ms`, `2s`, `5m`, `1h` (a bare number is milliseconds) into milliseconds. */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new InvalidArgumentError(`${what}: ${text} is not a duration`);
    return Math.round(text);
  }
  const m = DURATION.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`${what}: "${text}" is not a duration (use 500ms, 2s, 5m, 1h)`);
  const ms = Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? 1);
  if (!Number.isFinite(ms) || ms > 2_147_483_647) throw new InvalidArgumentError(`${what}: "${text}" is too long`);
  return Math.round(ms);
}

export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
