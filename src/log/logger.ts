import pino from 'pino';
import { HeldOutput, type LineOutput } from './held-output.js';
import { isoTimeOncePerMs } from './iso-time.js';
import { LineBatch } from './line-batch.js';

/** The pino-shaped logger every component receives; built once in the composition root. */
export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerHandle {
  readonly log: Logger;
  /** Writes out everything buffered, synchronously: call before process.exit(). */
  flushSync(): void;
  /** Lets out the lines held since the start (`held`); a no-op once done, or when nothing was held. */
  release(): void;
}

/** How long flushSync() at exit keeps retrying a stdout that cannot take more. */
const EXIT_FLUSH_LIMIT_MS = 2000;

export function createLogger(opts: {
  level: LogLevel;
  format: LogFormat | undefined;
  destination?: number;
  /** Hold every line until release(): the program's banner goes out first (src/log/held-output.ts). */
  held?: boolean;
}): LoggerHandle {
  const fd = opts.destination ?? 1;
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    // pino's transport flushes its worker thread on exit by itself
    const out = heldOutput(
      pino.transport({
        target: 'pino-pretty',
        options: { destination: fd, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      }),
      opts.held === true,
    );
    const log = pino({ level: opts.level, base: undefined }, out);
    return { log, flushSync: () => out.release(), release: () => out.release() };
  }
  // Lines are batched into 4 KiB writes (one write per line cost 15% of the CPU under a new
  // connection per request); a timer bounds how long a line can wait at low traffic, and
  // flushSync() writes out the rest at exit. The lines of one turn reach sonic-boom as one string
  // (LineBatch), which every synchronous flush, pino's own at exit too, writes out first.
  const dest = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  setInterval(() => dest.flush(), 200).unref();
  const batch = new LineBatch(dest);
  boundSyncFlush(dest, () => batch.flush());
  const out = heldOutput(batch, opts.held === true);
  const log = pino({ level: opts.level, base: undefined, timestamp: isoTimeOncePerMs() }, out);
  return {
    log,
    release: () => out.release(),
    flushSync: () => {
      out.release();
      try {
        dest.flushSync();
      } catch {
        // nothing was pending, or the pipe is gone or stuck: nothing more can be done at exit
      }
    },
  };
}

/** A start that takes longer than this (a slow admin bind…) shows its log lines anyway. */
const HELD_LIMIT_MS = 5000;

function heldOutput(out: LineOutput, held: boolean): HeldOutput {
  const h = new HeldOutput(out, undefined, held);
  if (held) setTimeout(() => h.release(), HELD_LIMIT_MS).unref();
  return h;
}

/**
 * Every synchronous flush (ours at exit, and pino's own on 'exit') first hands sonic-boom what
 * `first` still holds (the turn's lines), and gives up on a stdout that takes
 * nothing for EXIT_FLUSH_LIMIT_MS: sonic-boom retries EAGAIN without end by default, in a loop no
 * signal handler can break (an orphaned cluster worker whose primary had died was found stuck so).
 */
function boundSyncFlush(dest: pino.DestinationStream & { flushSync(): void }, first: () => void): void {
  const d = dest as typeof dest & { retryEAGAIN: () => boolean };
  const flushSync = d.flushSync.bind(d);
  const retryAsync = d.retryEAGAIN;
  d.flushSync = () => {
    first();
    const giveUpAt = Date.now() + EXIT_FLUSH_LIMIT_MS;
    d.retryEAGAIN = () => Date.now() < giveUpAt;
    try {
      flushSync();
    } finally {
      d.retryEAGAIN = retryAsync;
    }
  };
}
