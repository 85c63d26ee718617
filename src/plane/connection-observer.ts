import type { Config } from '../config/schema.js';
import type { ListenerObserver } from '../listener/listener.js';
import { AccessLog, fanout } from '../log/access-log.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * What watches the connections of a data plane, in one process or a cluster worker alike: the
 * access log, and the metrics when they are counted (only with an admin API, which serves them).
 */
export function connectionObserver(config: Config, log: Logger, metrics: Metrics | undefined): ListenerObserver {
  const access = new AccessLog(log.child({ component: 'access' }), config.log.access);
  return fanout(metrics ? [access, metrics.observer] : [access]);
}
