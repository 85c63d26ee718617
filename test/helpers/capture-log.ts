import pino from 'pino';
import type { Logger } from '../../src/log/logger.js';

/** A real pino logger whose JSON lines are kept in memory for assertions. */
export function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug', base: undefined },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines: () => lines };
}
