import type { ListenerConfig } from '../config/schema.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { PoolContext } from '../proxy/session-types.js';
import { SniTable } from './sni-table.js';

/** Picks a listener's pool by server name: its `routes` (exact before wildcard), else its `pool`. */
export function sniRouter(
  l: Pick<ListenerConfig, 'pool' | 'routes'>,
  pools: (name: string) => PoolContext | undefined,
): (info: ConnInfo) => PoolContext | undefined {
  if (!l.routes || l.routes.length === 0) return () => pools(l.pool);
  const table = new SniTable(l.routes.map((r) => [r.sni, r.pool] as const));
  return (info) => pools(table.match(info.sni) ?? l.pool);
}
