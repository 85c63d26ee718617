import { accessPipeline } from '../access/access-pipeline.js';
import { ClientTable } from '../access/client-table.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { PoolContext } from '../proxy/session-types.js';
import type { ListenerPipeline } from './listener.js';
import { sniRouter } from '../routing/sni-router.js';
import { tlsStage } from './tls-stage.js';

export interface PipelineDeps {
  readonly pools: (name: string) => PoolContext | undefined;
  readonly clock?: Clock;
  /** The listener's per-client counters, kept across reloads (a fresh table when absent). */
  readonly clientTable?: (listener: string) => ClientTable;
}

/**
 * Builds a listener's connection pipeline from its config. Each concern has its own builder
 * (access control, PROXY protocol, TLS), composed here in the order a connection meets them.
 */
export function buildPipeline(name: string, config: Config, deps: PipelineDeps): ListenerPipeline {
  const l = config.listeners[name]!;
  const tls = tlsStage(l);
  return {
    ...accessPipeline(l, deps.clientTable?.(name) ?? new ClientTable(), deps.clock ?? systemClock()),
    inspectors: [...tls.inspectors],
    route: sniRouter(l, deps.pools),
  };
}
