import pino from 'pino';

/** The pino-shaped logger every component receives; built once in the composition root. */
export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(opts: { level: LogLevel; format: LogFormat | undefined; destination?: number }): Logger {
  const fd = opts.destination ?? 1;
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino(
      { level: opts.level, base: undefined },
      pino.transport({
        target: 'pino-pretty',
        options: { destination: fd, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      }),
    );
  }
  return pino(
    { level: opts.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: fd, sync: false }),
  );
}
