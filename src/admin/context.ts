import type { App } from '../app.js';
import type { Clock } from '../core/clock.js';
import type { ReloadControl } from '../control/reload-result.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';

/** What the admin routes act on: the running App, and the reloader and metrics when present. */
export interface AdminContext {
  readonly app: Pick<App, 'config' | 'listeners' | 'pools'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Absent when there is nothing to reload from (started from command-line flags). */
  readonly reloader?: ReloadControl | undefined;
  /** When the process started (epoch ms), for the status. */
  readonly startedAt: number;
}
