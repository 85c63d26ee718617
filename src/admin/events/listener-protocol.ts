import type { Config } from '../../config/schema.js';

/** How a listener speaks, in a word for the dashboard: `tcp`, `tls`, `sni` (routes by name), `+proxy`. */
export function listenerProtocol(config: Config | undefined, name: string): string {
  const l = config?.listeners[name];
  if (!l) return 'tcp';
  const base = l.tls ? 'tls' : l.routes && l.routes.length > 0 ? 'tcp sni' : 'tcp';
  return l.proxyProtocol ? `${base} +proxy` : base;
}
