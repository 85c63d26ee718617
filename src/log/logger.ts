import pino from 'pino';

/** The pino-shaped logger every component receives; built once in the composition root. */
export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerHandle {
  readonly log: Logger;
  /** Writes out everything buffered, synchronously: call before process.exit(). */
  flushSync(): void;
}

/** How long flushSync() at exit keeps retrying a stdout that cannot take more. */
const EXIT_FLUSH_LIMIT_MS = 2000;

export function createLogger(opts: {
  level: LogLevel;
  format: LogFormat | undefined;
  destination?: number;
}): LoggerHandle {
  const fd = opts.destination ?? 1;
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    // pino's transport flushes its worker thread on exit by itself
    const log = pino(
      { level: opts.level, base: undefined },
      pino.transport({
        target: 'pino-pretty',
        options: { destination: fd, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      }),
    );
    return { log, flushSync: () => undefined };
  }
  // Lines are batched into 4 KiB writes (one write per line cost 15% of the CPU under a new
  // connection per request); a timer bounds how long a line can wait at low traffic, and
  // flushSync() writes out the rest at exit.
  const dest = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  setInterval(() => dest.flush(), 200).unref();
  const log = pino({ level: opts.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return {
    log,
    flushSync: () => {
      // At exit, a stdout nobody reads (a full pipe: EAGAIN) must not hold the process forever:
      // sonic-boom retries EAGAIN without end by default, in a loop no signal handler can break.
      const giveUpAt = Date.now() + EXIT_FLUSH_LIMIT_MS;
      (dest as unknown as { retryEAGAIN: () => boolean }).retryEAGAIN = () => Date.now() < giveUpAt;
      try {
        dest.flushSync();
      } catch {
        // nothing was pending, or the pipe is gone: nothing more can be done at exit
      }
    },
  };
}
