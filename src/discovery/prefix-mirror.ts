import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { Clock, TimerHandle } from '../core/clock.js';
import { Backoff } from './backoff.js';
import { DiscoveryError } from './discovery-error.js';

// A local copy of every key under an etcd prefix, kept current: load the prefix at revision R,
// watch from R+1. After a disconnect etcd3 resumes the watch from the last revision it saw; when
// that revision was compacted away (etcd cancels the watch), or the watch fails otherwise, the
// prefix is read again in full. Events at or below the revision already applied are dropped, so
// nothing is missed and nothing is applied twice.

export interface MirrorEntry {
  readonly value: string;
  readonly modRevision: number;
  readonly lease: string;
}

/** What brought the copy up to date: a full read of the prefix, watched changes, a watch resumed after a disconnect. */
export type SyncKind = 'read' | 'change' | 'resumed';

export interface MirrorListener {
  /** After the first load, after every applied batch, after a re-read, after a reconnect. `cause` is for people. */
  synced(entries: ReadonlyMap<string, MirrorEntry>, revision: number, cause: string, kind: SyncKind): void;
  error(e: DiscoveryError): void;
}

const num = (v: string | number | undefined): number => Number(v ?? 0);

export class PrefixMirror {
  readonly prefix: string;
  readonly #client: Etcd3;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #entries = new Map<string, MirrorEntry>();
  #revision = 0;
  #watcher: Watcher | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #listener: MirrorListener | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(client: Etcd3, prefix: string, clock: Clock, random: () => number = Math.random) {
    this.#client = client;
    this.prefix = prefix;
    this.#clock = clock;
    this.#backoff = new Backoff({ maxMs: 10_000 }, random);
  }

  get revision(): number {
    return this.#revision;
  }

  get entries(): ReadonlyMap<string, MirrorEntry> {
    return this.#entries;
  }

  start(listener: MirrorListener): void {
    this.#listener = listener;
    this.#pending = this.#load('load');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    await this.#pending;
    await this.#dropWatcher();
  }

  async #load(why: string): Promise<void> {
    if (this.#stopped) return;
    try {
      const res = await this.#client.getAll().prefix(this.prefix).exec();
      if (this.#stopped) return;
      this.#entries.clear();
      for (const kv of res.kvs) this.#entries.set(kv.key.toString(), entryOf(kv));
      this.#revision = num(res.header.revision);
      this.#backoff.reset();
      this.#listener?.synced(
        this.#entries,
        this.#revision,
        `etcd ${why} of ${this.prefix} (revision ${this.#revision})`,
        'read',
      );
      this.#watch();
    } catch (e) {
      this.#fail(e, `etcd read ${this.prefix}`);
    }
  }

  #fail(e: unknown, doing: string): void {
    if (this.#stopped) return;
    this.#listener?.error(DiscoveryError.from(e, doing));
    this.#timer = this.#clock.setTimeout(() => {
      this.#pending = this.#load('re-read');
    }, this.#backoff.next());
  }

  #watch(): void {
    const w = this.#client
      .watch()
      .prefix(this.prefix)
      .startRevision(String(this.#revision + 1))
      .watcher();
    this.#watcher = w;
    let lost = false;
    w.on('data', (res: IWatchResponse) => this.#apply(res));
    w.on('disconnected', (err: Error) => {
      lost = true;
      // etcd3 reconnects by itself and resumes from the last revision it saw
      this.#listener?.error(DiscoveryError.from(err, `etcd watch ${this.prefix}`));
    });
    w.on('connected', () => {
      if (!lost) return;
      lost = false;
      this.#listener?.synced(
        this.#entries,
        this.#revision,
        `etcd watch of ${this.prefix} resumed at revision ${this.#revision}`,
        'resumed',
      );
    });
    w.on('error', (err: Error) => {
      // canceled by etcd: most often "required revision has been compacted"
      if (this.#watcher !== w) return;
      this.#watcher = undefined;
      void w.cancel().catch(() => undefined);
      this.#fail(err, `etcd watch ${this.prefix}`);
    });
  }

  #apply(res: IWatchResponse): void {
    if (this.#stopped) return;
    let last = '';
    const base = this.#revision; // one transaction's events share a revision: compare to the batch's start
    for (const ev of res.events) {
      const rev = num(ev.kv.mod_revision);
      if (rev <= base) continue; // seen already (a resumed watch may repeat)
      const key = ev.kv.key.toString();
      if (ev.type === 'Put') this.#entries.set(key, entryOf(ev.kv));
      else this.#entries.delete(key);
      this.#revision = rev;
      last = `etcd ${ev.type === 'Put' ? 'put' : 'delete'} ${key} (revision ${rev})`;
    }
    if (last) this.#listener?.synced(this.#entries, this.#revision, last, 'change');
  }

  async #dropWatcher(): Promise<void> {
    const w = this.#watcher;
    this.#watcher = undefined;
    if (w) await w.cancel().catch(() => undefined);
  }
}

const entryOf = (kv: IKeyValue): MirrorEntry => ({
  value: kv.value?.toString() ?? '',
  modRevision: num(kv.mod_revision),
  lease: kv.lease ?? '0',
});
