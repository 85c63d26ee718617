import { Counter, Gauge, type Registry } from 'prom-client';

// lb_discovery_*: kept beside the sources they count (the catalog holds the data plane's).

export function discoveryMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ['pool', 'source'] as const;
  return {
    targets: new Gauge({
      name: 'lb_discovery_targets',
      help: 'Targets a discovery source names now.',
      labelNames,
      registers,
    }),
    stale: new Gauge({
      name: 'lb_discovery_stale',
      help: '1 while a discovery source cannot be read (its last targets stay in force), else 0.',
      labelNames,
      registers,
    }),
    updates: new Counter({
      name: 'lb_discovery_updates_total',
      help: 'Answers read from a discovery source.',
      labelNames,
      registers,
    }),
    errors: new Counter({
      name: 'lb_discovery_errors_total',
      help: 'Failed reads of a discovery source (each retry counts).',
      labelNames,
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'lb_discovery_last_success_timestamp_seconds',
      help: 'When a discovery source last answered (Unix time).',
      labelNames,
      registers,
    }),
  };
}

export type DiscoveryMetrics = ReturnType<typeof discoveryMetrics>;
