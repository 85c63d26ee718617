import { collectDefaultMetrics, type Registry } from 'prom-client';

// prom-client's default set includes gauges named `*_total` (sums of their unsuffixed siblings),
// which `promtool check metrics` rejects because `_total` is reserved for counters.
const NONCONFORMING = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Standard process and Node.js runtime metrics (`process_*`, `nodejs_*`) on `registry`. */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of NONCONFORMING) registry.removeSingleMetric(name);
}
