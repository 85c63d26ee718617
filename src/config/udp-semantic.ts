import type { Config } from './schema.js';
import type { ConfigIssue } from './semantic.js';

/** Checks of UDP listeners and of the pools they use: what a datagram path cannot do. */
export function udpIssues(c: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const udpPools = new Set<string>();
  for (const [name, l] of Object.entries(c.listeners)) {
    const path = ['listeners', name];
    if (l.protocol !== 'udp') {
      if (l.maxBufferedBytes !== undefined)
        issues.push({ path: [...path, 'maxBufferedBytes'], message: 'only used by protocol: udp listeners' });
      continue;
    }
    udpPools.add(l.pool);
    if (l.tls) issues.push({ path: [...path, 'tls'], message: 'a UDP listener cannot terminate TLS' });
    if (l.routes)
      issues.push({ path: [...path, 'routes'], message: 'a UDP listener has no TLS server name to route by' });
    if (l.proxyProtocol)
      issues.push({ path: [...path, 'proxyProtocol'], message: 'a UDP listener cannot accept PROXY headers' });
  }
  for (const name of udpPools) {
    const p = c.pools[name];
    if (!p) continue; // reported as an unknown pool
    const path = ['pools', name];
    if (p.tls) issues.push({ path: [...path, 'tls'], message: 'a pool of a UDP listener cannot use TLS' });
    if (p.proxyProtocol && p.proxyProtocol.version !== 'v2')
      issues.push({ path: [...path, 'proxyProtocol'], message: 'PROXY protocol over UDP is v2 only' });
    if (p.healthCheck.type === 'http' || p.healthCheck.type === 'send-expect')
      issues.push({
        path: [...path, 'healthCheck', 'type'],
        message: `a pool of a UDP listener is checked by udp, tcp or none (not ${p.healthCheck.type})`,
      });
  }
  return issues;
}
