import type { Etcd3 } from 'etcd3';
import type { Clock } from '../core/clock.js';
import { PrefixMirror, type MirrorEntry } from './prefix-mirror.js';
import { parseEtcdTarget } from './etcd-value.js';
import { canonicalTargets } from './target-spec.js';
import type { TargetSpec } from '../core/types.js';
import type { DiscoveryListener, DiscoverySource } from './types.js';

/** Bad entries are skipped (the rest of the prefix still counts), each reported once. */
export interface RejectedEntry {
  readonly key: string;
  readonly message: string;
}

export class EtcdSource implements DiscoverySource {
  readonly kind = 'etcd';
  readonly pool: string;
  readonly name: string;
  readonly #mirror: PrefixMirror;
  readonly #onRejected: (r: RejectedEntry) => void;
  /** key → the value last rejected, so that one bad value is reported once */
  readonly #rejected = new Map<string, string>();

  constructor(
    pool: string,
    prefix: string,
    client: Etcd3,
    clock: Clock,
    onRejected: (r: RejectedEntry) => void = () => undefined,
  ) {
    this.pool = pool;
    this.name = `etcd:${prefix}`;
    this.#mirror = new PrefixMirror(client, prefix, clock);
    this.#onRejected = onRejected;
  }

  get revision(): number {
    return this.#mirror.revision;
  }

  start(listener: DiscoveryListener): void {
    this.#mirror.start({
      synced: (entries, revision, cause) =>
        listener({ type: 'snapshot', targets: this.#targets(entries), cause, revision }),
      error: (error) => listener({ type: 'error', error }),
    });
  }

  stop(): Promise<void> {
    return this.#mirror.stop();
  }

  #targets(entries: ReadonlyMap<string, MirrorEntry>): TargetSpec[] {
    const out: TargetSpec[] = [];
    for (const [key, e] of entries) {
      try {
        out.push(parseEtcdTarget(key, e.value));
        this.#rejected.delete(key);
      } catch (err) {
        if (this.#rejected.get(key) === e.value) continue;
        this.#rejected.set(key, e.value);
        this.#onRejected({ key, message: (err as Error).message });
      }
    }
    for (const key of this.#rejected.keys()) if (!entries.has(key)) this.#rejected.delete(key);
    return canonicalTargets(out);
  }
}
