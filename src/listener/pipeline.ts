import type { Config } from '../config/schema.js';
import type { PoolContext } from '../proxy/session-types.js';
import type { ListenerPipeline } from './listener.js';

export interface PipelineDeps {
  readonly pools: (name: string) => PoolContext | undefined;
}

/**
 * Builds a listener's connection pipeline from its config. Each concern has its own builder
 * (access control, PROXY protocol, TLS), composed here in the order a connection meets them.
 */
export function buildPipeline(name: string, config: Config, deps: PipelineDeps): ListenerPipeline {
  const l = config.listeners[name]!;
  const poolName = l.pool;
  return {
    inspectors: [],
    route: () => deps.pools(poolName),
  };
}
