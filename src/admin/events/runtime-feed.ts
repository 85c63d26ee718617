import type { Clock } from '../../core/clock.js';
import type { RuntimeView } from '../../runtime.js';
import type { EventFeed, FeedEvent } from './feed.js';

interface Seen {
  readonly health: string;
  readonly admin: string;
  readonly weight: number;
}

/**
 * A feed made by comparing the runtime with what it was at the last poll: health, admin state and
 * membership. Stands in for the target store until that owns every change.
 */
export class RuntimeFeed implements EventFeed {
  #revision = 0;
  readonly #ring: FeedEvent[] = [];
  readonly #listeners = new Set<(e: readonly FeedEvent[]) => void>();
  #seen = new Map<string, Seen>();

  constructor(
    private readonly app: RuntimeView,
    private readonly clock: Clock,
    private readonly capacity = 1000,
  ) {
    this.#seen = this.#read();
  }

  get revision(): number {
    return this.#revision;
  }

  subscribe(fn: (e: readonly FeedEvent[]) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  eventsSince(revision: number): readonly FeedEvent[] | undefined {
    if (!Number.isInteger(revision) || revision < 0 || revision > this.#revision) return undefined;
    const out = this.#ring.filter((e) => e.revision > revision);
    if (revision === this.#revision) return [];
    return out[0]?.revision === revision + 1 ? out : undefined;
  }

  #read(): Map<string, Seen> {
    const m = new Map<string, Seen>();
    for (const [pool, rt] of this.app.pools())
      for (const t of rt.pool.targets())
        m.set(`${pool}\n${t.id}`, { health: t.health, admin: t.admin, weight: t.weight });
    return m;
  }

  /** Compares with the last poll and tells subscribers what changed. */
  poll(): void {
    const now = this.#read();
    const at = this.clock.now();
    const out: FeedEvent[] = [];
    const push = (e: Omit<FeedEvent, 'revision' | 'at'> & Record<string, unknown>): void => {
      out.push({ ...e, revision: ++this.#revision, at });
    };
    for (const [key, s] of now) {
      const [pool, id] = key.split('\n') as [string, string];
      const before = this.#seen.get(key);
      const t = this.app.pools().get(pool)?.pool.get(id);
      if (!before) push({ type: 'target-added', pool, id, cause: 'added' });
      else {
        if (before.health !== s.health)
          push({
            type: 'health-changed',
            pool,
            id,
            from: before.health,
            to: s.health,
            cause: t?.lastChange?.cause ?? '',
          });
        if (before.admin !== s.admin)
          push({ type: 'admin-changed', pool, id, from: before.admin, to: s.admin, cause: 'admin API' });
        if (before.weight !== s.weight && t)
          push({
            type: 'target-changed',
            pool,
            target: { id, spec: t.spec, admin: t.admin, health: t.health },
            cause: 'weight',
          });
      }
    }
    for (const key of this.#seen.keys())
      if (!now.has(key)) {
        const [pool, id] = key.split('\n') as [string, string];
        push({ type: 'target-removed', pool, id, cause: 'removed' });
      }
    this.#seen = now;
    if (out.length === 0) return;
    this.#ring.push(...out);
    this.#ring.splice(0, Math.max(0, this.#ring.length - this.capacity));
    for (const fn of this.#listeners) fn(out);
  }
}
