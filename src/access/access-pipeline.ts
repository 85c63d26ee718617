import type { Clock } from '../core/clock.js';
import type { ListenerConfig } from '../config/schema.js';
import type { ListenerPipeline } from '../listener/listener.js';
import { compileAcl } from './acl.js';
import { createAdmission } from './admission.js';
import type { ClientLimits, ClientTable } from './client-table.js';

export const clientLimitsOf = (l: ListenerConfig): ClientLimits => ({
  maxConcurrent: l.maxConnectionsPerClient,
  rate: l.rateLimit ? { perSecond: l.rateLimit.perClient, burst: l.rateLimit.burst } : undefined,
});

/**
 * The admit/release part of a listener's pipeline; empty when the listener has no lists and no
 * limits, so that such listeners pay nothing per connection. `trustedPeer` comes from the
 * listener's PROXY-protocol settings (see createAdmission for how the two compose).
 */
export function accessPipeline(
  l: ListenerConfig,
  table: ClientTable,
  clock: Clock,
  trustedPeer?: (ip: string) => boolean,
): Pick<ListenerPipeline, 'admit' | 'release'> {
  const limits = clientLimitsOf(l);
  if (l.allow.length === 0 && l.deny.length === 0 && !limits.maxConcurrent && !limits.rate) return {};
  const a = createAdmission({ acl: compileAcl(l.allow, l.deny), limits, trustedPeer }, table, clock);
  return { admit: (info, stage) => a.admit(info, stage), release: (info, stage) => a.release(info, stage) };
}
