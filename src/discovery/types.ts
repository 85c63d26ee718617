import type { TargetSpec } from '../core/types.js';

// The vocabulary of discovery: a source watches one place (an etcd prefix, a DNS name) for one
// pool and pushes what it finds. Every update is a full snapshot of that source's targets (a
// layer of the target store), or an error: the last snapshot then stays in force (stale).

export type DiscoveryKind = 'etcd' | 'dns';

export type DiscoveryUpdate =
  | {
      readonly type: 'snapshot';
      readonly targets: readonly TargetSpec[];
      /** Why it changed: `etcd put /services/web/10.0.0.1:80 (revision 42)`, `dns: 3 SRV records`. */
      readonly cause: string;
      /** etcd: the store revision this snapshot includes. */
      readonly revision?: number;
    }
  | { readonly type: 'error'; readonly error: Error };

export type DiscoveryListener = (update: DiscoveryUpdate) => void;

export interface DiscoverySource {
  readonly kind: DiscoveryKind;
  readonly pool: string;
  /** Unique per pool: `etcd:/services/web/`, `dns:_web._tcp.example.internal`. */
  readonly name: string;
  /** Starts watching; never throws (failures arrive as error updates and are retried). */
  start(listener: DiscoveryListener): void;
  stop(): Promise<void>;
}
