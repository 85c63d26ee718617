import type { ApplySummary, DescriptorStatus } from './app.js';
import type { Config } from './config/schema.js';
import type { Listener } from './listener/listener.js';
import type { TargetStore } from './store/target-store.js';
import type { RelayStatus } from './proxy/relay-choice.js';
import type { UdpView } from './udp/udp-view.js';
import type { UpgradeResult } from './supervisor/messages.js';
import type { PlaneTraffic } from './cluster/worker-stats.js';

/**
 * What views and gauges read of a listener: a real one, or the sum of it over cluster workers
 * (whose sessions live in the workers: the primary's view has none, and the bytes of open
 * connections reach it in the workers' counters).
 */
export type ListenerView = Pick<
  Listener,
  'name' | 'settings' | 'port' | 'activeConnections' | 'totalConnections' | 'sessions'
>;

/**
 * The running state, as the admin API and the metrics read it: the control plane's (config,
 * store) and what the data planes report (listeners, target counters).
 */
export interface RuntimeView {
  readonly config: Config | undefined;
  listeners(): ReadonlyMap<string, ListenerView>;
  /** The owner of target state: changes go here, and the data planes follow. */
  readonly store: TargetStore;
  /** Target counters of the data plane (one process), or summed over the workers as of the last refresh. */
  traffic(): PlaneTraffic;
  /** Which relay moves the bytes of new connections, and why (a process that relays). */
  relayStatus?(): RelayStatus;
  /** The UDP listeners of this process (none in a cluster primary: its workers serve them). */
  readonly udp?: UdpView;
  /** The open-file limit, the client connections it allows, and how many are open. */
  descriptors?(): DescriptorStatus;
}

/**
 * What the process shell (src/cli/run.ts) drives: the control plane with the first data plane in
 * this process (src/app.ts), or with N data planes in cluster workers (src/cluster/cluster-engine.ts).
 */
export interface Engine extends RuntimeView {
  apply(config: Config): Promise<ApplySummary>;
  /**
   * Stop accepting, let connections finish for up to `drainMs`, then end the rest. `handOver`: an
   * upgrade, the next generation serves the same sockets (UDP: it reads them from now on).
   */
  shutdown(drainMs: number, handOver?: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Which program runs: its generation under the supervisor (1 without one) and version. */
export interface ProgramInfo {
  readonly generation: number;
  readonly version: string;
  /** Asks the supervisor for an upgrade; absent when the program runs without one. */
  readonly upgrade?: (() => Promise<UpgradeResult>) | undefined;
}
