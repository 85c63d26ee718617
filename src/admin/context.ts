import type { Clock } from '../core/clock.js';
import type { ReloadControl } from '../control/reload-result.js';
import type { OpenConnection } from '../listener/open-connections.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ProgramInfo, RuntimeView } from '../runtime.js';
import type { SharedStateView } from '../fleet/shared-state.js';
import type { SocketSource } from '../supervisor/socket-spec.js';

/** What the admin routes act on: the running App, and the reloader and metrics when present. */
export interface AdminContext {
  readonly app: RuntimeView;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: Pick<Metrics, 'text' | 'contentType'> | undefined;
  /** Absent when there is nothing to reload from (started from command-line flags). */
  readonly reloader?: ReloadControl | undefined;
  /** When the process started (epoch ms), for the status. */
  readonly startedAt: number;
  /** Brings `app` up to date before a request reads it (counters summed over cluster workers). */
  readonly refresh?: (() => Promise<void>) | undefined;
  /** Told after a request changed the runtime (a cluster primary passes it on to its workers). */
  readonly changed?: (() => Promise<void>) | undefined;
  /** Discovery sources and the fleet, when the config has them. */
  readonly shared?: SharedStateView | undefined;
  /** The open connections of one target, newest first (a cluster asks its workers); absent: this process's own. */
  readonly connections?:
    ((pool: string, target: string, limit: number) => Promise<readonly OpenConnection[]>) | undefined;
  /** The cluster workers, for the status; absent in a single process. */
  readonly workers?: (() => unknown[]) | undefined;
  /** The program generation and version (status), and the upgrade (POST /api/upgrade). */
  readonly program?: ProgramInfo | undefined;
  /** Where the admin API's listening socket comes from when a supervisor holds it. */
  readonly sockets?: SocketSource | undefined;
}
