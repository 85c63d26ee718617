import { accessPipeline } from '../access/access-pipeline.js';
import { ClientTable } from '../access/client-table.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { PoolContext } from '../proxy/session-types.js';
import type { ListenerPipeline } from './listener.js';
import { sniRouter } from '../routing/sni-router.js';
import { tlsStage } from './tls-stage.js';
import { proxyProtocolAcceptance } from './proxy-protocol-inspector.js';

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
  const tls = tlsStage(name, l);
  const pp = l.proxyProtocol?.accept
    ? proxyProtocolAcceptance({
        trusted: l.proxyProtocol.trusted,
        untrusted: l.proxyProtocol.untrusted,
        timeoutMs: l.proxyProtocol.timeout,
      })
    : undefined;
  const access = accessPipeline(
    l,
    deps.clientTable?.(name) ?? new ClientTable(),
    deps.clock ?? systemClock(),
    pp?.trustedPeer,
  );
  return {
    ...access,
    // The PROXY gate first: it counts nothing, so a refusal there leaves no client slot taken.
    admit: firstRefusal(pp?.admit, access.admit),
    // The PROXY header comes first on the wire, before a ClientHello.
    inspectors: [...(pp ? [pp.inspector] : []), ...tls.inspectors],
    wrap: tls.wrap,
    route: sniRouter(l, deps.pools),
  };
}

type Admit = NonNullable<ListenerPipeline['admit']>;

/** Admission checks in turn; the first refusal wins. */
function firstRefusal(...checks: (Admit | undefined)[]): Admit | undefined {
  const list = checks.filter((c): c is Admit => c !== undefined);
  if (list.length <= 1) return list[0];
  return (info, stage) => {
    for (const check of list) {
      const refused = check(info, stage);
      if (refused) return refused;
    }
    return undefined;
  };
}
