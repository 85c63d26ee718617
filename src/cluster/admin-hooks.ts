import type { AdminDeps } from '../admin/start.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ClusterEngine } from './cluster-engine.js';

/**
 * What the admin API needs beyond the runtime in a cluster: counters and metrics read from the
 * workers before a request, changes made through it sent to them after, the open connections
 * they hold, and the worker list.
 */
export function clusterAdminHooks(
  engine: ClusterEngine,
  metrics: Metrics | undefined,
): Pick<AdminDeps, 'metrics' | 'refresh' | 'changed' | 'connections' | 'workers'> {
  return {
    metrics: metrics && { contentType: metrics.contentType, text: () => engine.metricsText(metrics) },
    refresh: () => engine.refresh(),
    changed: () => engine.publishNow(),
    connections: (pool, target, limit) => engine.connections(pool, target, limit),
    workers: () => engine.workers(),
  };
}
