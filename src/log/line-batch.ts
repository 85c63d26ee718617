import type { LineOutput } from './held-output.js';

/** Past this many characters waiting, the lines go out at once: a turn never buffers without bound. */
export const BATCH_LIMIT_CHARS = 64 * 1024;

/** Runs `fn` once the current event-loop turn is done (setImmediate); injected by the tests. */
export type Schedule = (fn: () => void) => void;

/**
 * The log lines of one event-loop turn, joined into one write. Why by hand: sonic-boom measures
 * its whole pending buffer (`Buffer.byteLength` of a string grown by `+=`, the slow path for a
 * cons string) on every write, and a balancer under a new connection per request writes an
 * access-log line for each: one write per turn instead of one per line took about a quarter off
 * each line's cost (docs/benchmarks.md). The order of lines is kept; `flush()` writes out what
 * waits at once (the logger calls it before every synchronous flush, pino's own at exit included).
 */
export class LineBatch implements LineOutput {
  #lines: string[] = [];
  #chars = 0;
  #scheduled = false;
  readonly #onTurnEnd = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(
    private readonly out: LineOutput,
    private readonly schedule: Schedule = (fn) => void setImmediate(fn),
    private readonly limit = BATCH_LIMIT_CHARS,
  ) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.limit) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.schedule(this.#onTurnEnd);
    }
  }

  /** Writes out every waiting line now, as one write; nothing when none waits. */
  flush(): void {
    const lines = this.#lines;
    if (lines.length === 0) return;
    this.#lines = [];
    this.#chars = 0;
    this.out.write(lines.length === 1 ? lines[0]! : lines.join(''));
  }

  /** Characters waiting for the end of the turn. */
  get waiting(): number {
    return this.#chars;
  }
}
