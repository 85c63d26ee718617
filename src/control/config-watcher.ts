import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../log/logger.js';

export interface ConfigWatcherOptions {
  readonly file: string;
  /** Called when the file's content has changed and stayed put for `debounceMs`. */
  readonly onChange: () => void;
  readonly clock: Clock;
  readonly log: Logger;
  readonly debounceMs?: number;
}

/**
 * `--watch`: calls onChange when the config file's content changes. It watches the file (writes
 * in place) and its directory (editors and config managers that write a new file and rename it
 * over the old one, Kubernetes' symlink swaps), waits for events to settle, and compares a hash
 * of the content, so that a touch or a change to a neighbour triggers nothing.
 */
export class ConfigWatcher {
  readonly #file: string;
  #fileWatch: FSWatcher | undefined;
  #dirWatch: FSWatcher | undefined;
  #timer: TimerHandle | undefined;
  #hash: string | undefined;
  #stopped = false;

  constructor(private readonly o: ConfigWatcherOptions) {
    this.#file = resolve(o.file);
  }

  async start(): Promise<void> {
    this.#hash = await this.#read();
    this.#dirWatch = this.#watch(dirname(this.#file), () => this.#settle());
    this.#armFile();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#fileWatch?.close();
    this.#dirWatch?.close();
    await Promise.resolve();
  }

  // A watch on the file follows its inode: after a rename over it, watch the new file.
  #armFile(): void {
    this.#fileWatch?.close();
    this.#fileWatch = this.#watch(this.#file, (event) => {
      if (event === 'rename') {
        this.#fileWatch?.close();
        this.#fileWatch = undefined;
      }
      this.#settle();
    });
  }

  #watch(path: string, onEvent: (event: string) => void): FSWatcher | undefined {
    try {
      const w = watch(path, { persistent: false }, (event) => onEvent(event));
      w.on('error', (e) => {
        this.o.log.debug({ path, err: e.message }, 'config watch error');
        w.close();
        if (w === this.#fileWatch) this.#fileWatch = undefined;
        this.#settle();
      });
      return w;
    } catch (e) {
      this.o.log.debug({ path, err: (e as Error).message }, 'config watch failed');
      return undefined;
    }
  }

  #settle(): void {
    if (this.#stopped) return;
    if (this.#timer) this.o.clock.clearTimeout(this.#timer);
    this.#timer = this.o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#compare();
    }, this.o.debounceMs ?? 200);
  }

  async #compare(): Promise<void> {
    const hash = await this.#read();
    if (this.#stopped || hash === undefined) return; // gone for now: the rename that brings it back is an event
    if (!this.#fileWatch) this.#armFile();
    if (hash === this.#hash) return;
    this.#hash = hash;
    this.o.log.info({ file: this.o.file }, `${basename(this.#file)} changed: reloading`);
    this.o.onChange();
  }

  async #read(): Promise<string | undefined> {
    try {
      return createHash('sha256')
        .update(await readFile(this.#file))
        .digest('hex');
    } catch {
      return undefined;
    }
  }
}
