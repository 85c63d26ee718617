import { readFile } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import type { RuntimeView } from '../runtime.js';
import { captureState, restoreState } from './runtime-state.js';
import { parseSavedState, type SavedState } from './saved-state.js';
import { StateWriter } from './state-writer.js';

/**
 * The `stateFile` of a running process: restored at start, written (coalesced) after every
 * runtime change (admin API, health transition, reload) and at shutdown. Without a path it only
 * captures and restores the state an upgrade hands from one generation to the next.
 */
export class StateKeeper {
  readonly #writer: StateWriter | undefined;

  constructor(
    private readonly deps: {
      readonly path: string | undefined;
      readonly app: () => RuntimeView;
      readonly clock: Clock;
      readonly log: Logger;
    },
  ) {
    this.#writer =
      deps.path === undefined
        ? undefined
        : new StateWriter({ path: deps.path, capture: () => this.capture(), clock: deps.clock, log: deps.log });
  }

  capture(): SavedState {
    return captureState(this.deps.app(), this.deps.clock.now());
  }

  /**
   * At start: the state the previous generation handed over (an upgrade), else the state file.
   * A missing, unreadable or corrupt file is a warning: the config alone serves.
   */
  async restore(inherited: SavedState | null): Promise<boolean> {
    const { log, path } = this.deps;
    const app = this.deps.app();
    if (inherited) {
      restoreState(app, inherited, { origin: 'handed over by the previous generation', log });
      log.info('state: runtime changes and health taken over from the previous generation');
      return true;
    }
    if (path === undefined) return false;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      log.warn(
        `state file ${path} not read (${code === 'ENOENT' ? 'it does not exist yet' : code}): starting from the config alone`,
      );
      return false;
    }
    const parsed = parseSavedState(text);
    if (!parsed.ok) {
      log.warn(`state file ${path} ignored: ${parsed.why}; starting from the config alone`);
      return false;
    }
    const r = restoreState(app, parsed.state, {
      origin: `stale: last known (state file of ${parsed.state.savedAt})`,
      log,
    });
    log.info(`state file ${path} restored (saved ${parsed.state.savedAt}; pools ${r.pools.join(', ') || 'none'})`);
    return true;
  }

  changed(): void {
    if (!this.#stopped) this.#writer?.changed();
  }

  /** Every change of the target store (admin API, health, reload, discovery) is written. */
  watch(): void {
    this.#unsubscribe ??= this.deps.app().store.subscribe(() => this.changed());
  }

  #unsubscribe: (() => void) | undefined;

  async flush(): Promise<void> {
    if (!this.#stopped) await this.#writer?.flush();
  }

  #stopped = false;

  /** No more writes: a generation that retires must not overwrite the state its successor writes. */
  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#writer?.stop();
  }
}
