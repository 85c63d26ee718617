import type { ApplySummary, DescriptorStatus } from './app.js';
import type { Config } from './config/schema.js';
import type { Listener } from './listener/listener.js';
import type { PoolRuntime } from './pool/pool-runtime.js';
import type { TargetStore } from './store/target-store.js';
import type { RelayStatus } from './proxy/relay-choice.js';
import type { UdpView } from './udp/udp-view.js';
import type { UpgradeResult } from './supervisor/messages.js';

/**
 * What views and gauges read of a listener: a real one, or the sum of it over cluster workers
 * (whose sessions live in the workers: the primary's view has none, and the bytes of open
 * connections reach it in the workers' counters).
 */
export type ListenerView = Pick<
  Listener,
  'name' | 'settings' | 'port' | 'activeConnections' | 'totalConnections' | 'sessions'
>;

/** The running state, as the admin API and the metrics read it. */
export interface RuntimeView {
  readonly config: Config | undefined;
  listeners(): ReadonlyMap<string, ListenerView>;
  pools(): ReadonlyMap<string, PoolRuntime>;
  /** The owner of target state: changes go here, and the pools follow. */
  readonly store: TargetStore;
  /** Which relay moves the bytes of new connections, and why (a process that relays). */
  relayStatus?(): RelayStatus;
  /** The UDP listeners of this process (none in a cluster primary: its workers serve them). */
  readonly udp?: UdpView;
  /** The open-file limit, the client connections it allows, and how many are open. */
  descriptors?(): DescriptorStatus;
}

/**
 * What the process shell (src/cli/run.ts) drives: the App of a single process, or a cluster
 * primary whose workers each run an App (src/cluster/cluster-engine.ts).
 */
export interface Engine extends RuntimeView {
  apply(config: Config): Promise<ApplySummary>;
  /** Stop accepting, let connections finish for up to `drainMs`, then end the rest. */
  shutdown(drainMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Which program runs: its generation under the supervisor (1 without one) and version. */
export interface ProgramInfo {
  readonly generation: number;
  readonly version: string;
  /** Asks the supervisor for an upgrade; absent when the program runs without one. */
  readonly upgrade?: (() => Promise<UpgradeResult>) | undefined;
}
