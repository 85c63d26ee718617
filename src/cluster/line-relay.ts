import type { Readable, Writable } from 'node:stream';

/** A line longer than this is passed on in pieces rather than held without bound. */
const MAX_TAIL = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Copies the output of the workers to one stream, whole lines only. Workers batch their log lines
 * into large writes; on a shared pipe, writes larger than PIPE_BUF from several processes can
 * interleave mid-line, so each worker writes to a pipe of its own and the lines meet here.
 * Backpressure: when `out` is full, every source pauses until it drains.
 */
export class LineRelay {
  readonly #sources = new Set<Readable>();
  #waiting = false;

  constructor(private readonly out: Writable) {}

  add(from: Readable): void {
    let tail: Buffer = Buffer.alloc(0);
    this.#sources.add(from);
    from.on('data', (chunk: Buffer) => {
      const nl = chunk.lastIndexOf(NEWLINE);
      if (nl < 0) {
        tail = Buffer.concat([tail, chunk]);
        if (tail.length >= MAX_TAIL) {
          this.#write(tail);
          tail = Buffer.alloc(0);
        }
        return;
      }
      this.#write(tail.length > 0 ? Buffer.concat([tail, chunk.subarray(0, nl + 1)]) : chunk.subarray(0, nl + 1));
      tail = Buffer.from(chunk.subarray(nl + 1));
    });
    from.once('close', () => {
      this.#sources.delete(from);
      if (tail.length > 0) this.#write(Buffer.concat([tail, Buffer.from('\n')]));
    });
    from.on('error', () => undefined); // the worker is gone; its exit is reported elsewhere
  }

  #write(bytes: Buffer): void {
    if (this.out.write(bytes) || this.#waiting) return;
    this.#waiting = true;
    for (const s of this.#sources) s.pause();
    this.out.once('drain', () => {
      this.#waiting = false;
      for (const s of this.#sources) s.resume();
    });
  }
}
