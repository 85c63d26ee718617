import { formatHostPort } from '../core/address.js';
import type { Config } from '../config/schema.js';
import type { UdpView } from './udp-view.js';

/** GET /api/status `udpListeners`: sessions, datagrams, bytes and drops of each UDP listener. */
export function udpListenersView(udp: UdpView, config: Config | undefined) {
  return [...udp.listeners().values()].map((l) => {
    const s = udp.stats().get(l.name);
    return {
      name: l.name,
      protocol: 'udp' as const,
      pool: config?.listeners[l.name]?.pool ?? null,
      address: formatHostPort({ host: l.settings.host, port: l.port }),
      maxSessions: config?.listeners[l.name]?.maxConnections ?? null,
      activeSessions: l.activeSessions,
      totalSessions: s?.sessionsTotal ?? 0,
      bufferedBytes: l.bufferedBytes,
      maxBufferedBytes: l.settings.maxBufferedBytes,
      ...(s?.traffic ?? {}),
      drops: Object.fromEntries(s?.drops ?? []),
    };
  });
}
