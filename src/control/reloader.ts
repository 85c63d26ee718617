import type { ApplySummary } from '../app.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import { diffLines } from '../config/diff-text.js';
import type { LoadOutcome } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { ReloadControl, ReloadResult, ReloadSource } from './reload-result.js';

export type { ReloadControl, ReloadResult, ReloadSource } from './reload-result.js';
export type { LoadOutcome } from '../config/load.js';

export interface ReloaderDeps {
  /** Reads and validates the config source again (the file, or the command line). */
  readonly load: () => Promise<LoadOutcome>;
  /** Applies a valid config as a diff (App.apply); throws when it cannot (a port in use). */
  readonly apply: (config: Config) => Promise<ApplySummary>;
  readonly log: Logger;
  readonly clock: Pick<Clock, 'now'>;
  /** Told of every result, whatever the source (metrics). */
  readonly onResult?: ((r: ReloadResult) => void) | undefined;
}

/** `listeners +web -old ~api; pools ~web` (or `no changes`), for logs. */
export function describeSummary(s: ApplySummary): string {
  const part = (what: string, d: { added: string[]; removed: string[]; changed: string[] }): string | undefined => {
    const items = [...d.added.map((n) => `+${n}`), ...d.removed.map((n) => `-${n}`), ...d.changed.map((n) => `~${n}`)];
    return items.length > 0 ? `${what} ${items.join(' ')}` : undefined;
  };
  const parts = [part('listeners', s.listeners), part('pools', s.pools)].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join('; ') : 'no changes';
}

/**
 * Reloads the config in place: SIGHUP, --watch and POST /api/reload all come here. Reloads run
 * one at a time; requests made while one runs share the single reload queued after it (which
 * reads the source after they were made). An invalid config, or one that cannot be applied,
 * leaves the running config as it was. Never throws.
 */
export class Reloader implements ReloadControl {
  #version = 1;
  #last: ReloadResult | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #queued: Promise<ReloadResult> | undefined;

  constructor(private readonly deps: ReloaderDeps) {}

  get version(): number {
    return this.#version;
  }

  get last(): ReloadResult | undefined {
    return this.#last;
  }

  reload(source: ReloadSource): Promise<ReloadResult> {
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#run(source);
    });
    this.#queued = run;
    this.#tail = run;
    return run;
  }

  async readNext(): Promise<LoadOutcome> {
    try {
      return await this.deps.load();
    } catch (e) {
      return { ok: false, issues: [e instanceof Error ? e.message : String(e)] };
    }
  }

  async #run(source: ReloadSource): Promise<ReloadResult> {
    const { log } = this.deps;
    let issues: string[];
    try {
      const loaded = await this.deps.load();
      if (loaded.ok) {
        const summary = await this.deps.apply(loaded.config);
        this.#version++;
        log.info(
          { reload: { source, version: this.#version, summary, changes: diffLines(summary.diff) } },
          `config version ${this.#version} applied (${source}): ${describeSummary(summary)}`,
        );
        return this.#finish({ ok: true, source, issues: [], summary });
      }
      issues = loaded.issues;
    } catch (e) {
      issues = [e instanceof Error ? e.message : String(e)];
    }
    for (const issue of issues) log.error({ reload: { source } }, issue);
    log.error(
      { reload: { source, version: this.#version, issues } },
      `config reload (${source}) failed with ${issues.length} problem${issues.length === 1 ? '' : 's'}; still running config version ${this.#version}`,
    );
    return this.#finish({ ok: false, source, issues });
  }

  #finish(r: Omit<ReloadResult, 'version' | 'at'>): ReloadResult {
    const result: ReloadResult = { ...r, version: this.#version, at: new Date(this.deps.clock.now()).toISOString() };
    this.#last = result;
    this.deps.onResult?.(result);
    return result;
  }
}
