import type { ByteCount, OpenBytes } from '../listener/open-bytes.js';
import type { UdpView } from '../udp/udp-view.js';
import type { Catalog } from './catalog.js';

/**
 * Publishes the UDP counters at scrape time from the totals the listeners keep (a datagram costs
 * a field increment, not a prom-client call). The totals outlive reloads, so counters never go back.
 */
export function publishUdp(c: Catalog, udp: UdpView): void {
  for (const m of [
    c.listenerUdpSessions,
    c.listenerActiveUdpSessions,
    c.listenerReceivedDatagrams,
    c.listenerSentDatagrams,
    c.listenerDroppedDatagrams,
    c.targetUdpSessions,
    c.targetReceivedDatagrams,
    c.targetSentDatagrams,
    c.targetDroppedDatagrams,
  ])
    m.reset();
  for (const [listener, l] of udp.listeners()) c.listenerActiveUdpSessions.set({ listener }, l.activeSessions);
  for (const [listener, s] of udp.stats()) {
    c.listenerUdpSessions.inc({ listener }, s.sessionsTotal);
    c.listenerReceivedDatagrams.inc({ listener }, s.traffic.datagramsFromClient);
    c.listenerSentDatagrams.inc({ listener }, s.traffic.datagramsToClient);
    for (const [reason, n] of s.drops) c.listenerDroppedDatagrams.inc({ listener, reason }, n);
    for (const [pool, targets] of s.targets)
      for (const [target, t] of targets) {
        c.targetUdpSessions.inc({ pool, target }, t.sessionsTotal);
        c.targetReceivedDatagrams.inc({ pool, target }, t.traffic.datagramsFromClient);
        c.targetSentDatagrams.inc({ pool, target }, t.traffic.datagramsToClient);
        for (const [reason, n] of t.drops) c.targetDroppedDatagrams.inc({ pool, target, reason }, n);
      }
  }
}

/** Adds the UDP byte totals to the byte counts the listener, pool and target byte counters publish. */
export function withUdpBytes(open: OpenBytes, udp: UdpView | undefined): OpenBytes {
  if (!udp) return open;
  const add = (m: Map<string, ByteCount>, key: string, rx: number, tx: number): void => {
    const b = m.get(key) ?? { fromClient: 0, toClient: 0 };
    b.fromClient += rx;
    b.toClient += tx;
    m.set(key, b);
  };
  for (const [listener, s] of udp.stats()) {
    add(open.listeners, listener, s.traffic.bytesFromClient, s.traffic.bytesToClient);
    for (const [pool, targets] of s.targets) {
      let byTarget = open.targets.get(pool);
      if (!byTarget) open.targets.set(pool, (byTarget = new Map<string, ByteCount>()));
      for (const [target, t] of targets) {
        add(open.pools, pool, t.traffic.bytesFromClient, t.traffic.bytesToClient);
        add(byTarget, target, t.traffic.bytesFromClient, t.traffic.bytesToClient);
      }
    }
  }
  return open;
}
