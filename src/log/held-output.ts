/** What pino writes its lines to (a sonic-boom on stdout, or the pretty transport's stream). */
export interface LineOutput {
  write(line: string): unknown;
}

/** Past this many bytes held, lines go straight out: start-up never buffers without bound. */
export const HELD_LIMIT_BYTES = 256 * 1024;

/**
 * Log lines written while the program starts wait here until its banner is out, so the first line
 * a user sees is `Server is listening on port N`, as the original program printed it, even when a
 * health check answers before the admin API is up (a CI run saw three `UP` lines come first).
 * `release()` writes them out in order, then every line goes straight through. Bounded in bytes
 * here and in time by the logger (src/log/logger.ts).
 */
export class HeldOutput implements LineOutput {
  #held: string[] | undefined;
  #bytes = 0;

  constructor(
    private readonly out: LineOutput,
    private readonly limit = HELD_LIMIT_BYTES,
    held = true,
  ) {
    this.#held = held ? [] : undefined;
  }

  write(line: string): void {
    if (this.#held === undefined) {
      this.out.write(line);
      return;
    }
    this.#held.push(line);
    this.#bytes += line.length;
    if (this.#bytes > this.limit) this.release();
  }

  /** Writes out what was held and lets every later line through; idempotent. */
  release(): void {
    const held = this.#held;
    this.#held = undefined;
    this.#bytes = 0;
    for (const line of held ?? []) this.out.write(line);
  }

  get holding(): boolean {
    return this.#held !== undefined;
  }
}
