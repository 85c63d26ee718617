import type { CloseReason } from '../core/close-reason.js';

/** Why a datagram was not forwarded: one label for the metrics (never queued without bound). */
export const UDP_DROP_REASONS = [
  'denied', // allow/deny rules
  'rate_limited', // new sessions per second of one client (rateLimit)
  'max_sessions', // the listener holds maxConnections sessions
  'max_sessions_per_client', // the client address holds maxConnectionsPerClient sessions
  'no_healthy_target', // no target may take the session
  'buffer_full', // maxBufferedBytes reached (socket not open yet, or a send queue full)
  'too_large', // with the PROXY v2 header it no longer fits one datagram
  'port_unreachable', // the target answered with ICMP port unreachable (ECONNREFUSED)
  'send_error', // the kernel refused the send
  'shutdown', // arrived while the listener was stopping
] as const;
export type UdpDropReason = (typeof UDP_DROP_REASONS)[number];

/** The largest UDP payload over IPv4 (65,535 - 8 UDP - 20 IP header bytes). */
export const MAX_DATAGRAM = 65_507;

/** One line of the access log: a session from its first datagram to its end. */
export interface UdpSessionEnd {
  readonly listener: string;
  readonly pool: string;
  readonly protocol: 'udp';
  readonly client: string;
  readonly clientPort: number;
  /** The last target (see `moves`). */
  readonly target: string | undefined;
  /** Times the session moved to another target (its target went down, refused, or was removed). */
  readonly moves: number;
  readonly datagramsFromClient: number;
  readonly datagramsToClient: number;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly durationMs: number;
  readonly reason: CloseReason;
}

/** Access log and metrics watch sessions through this; per-datagram counts are read, not pushed. */
export interface UdpObserver {
  onUdpSessionEnd(end: UdpSessionEnd): void;
  onUdpDrop?(listener: string, reason: UdpDropReason, detail: string): void;
}

export interface Traffic {
  datagramsFromClient: number;
  datagramsToClient: number;
  bytesFromClient: number;
  bytesToClient: number;
}

export const noTraffic = (): Traffic => ({
  datagramsFromClient: 0,
  datagramsToClient: 0,
  bytesFromClient: 0,
  bytesToClient: 0,
});

/** One datagram of `bytes`, from the client or to it. */
export const countDatagram = (c: Traffic, bytes: number, fromClient: boolean): void => {
  if (fromClient) {
    c.datagramsFromClient++;
    c.bytesFromClient += bytes;
  } else {
    c.datagramsToClient++;
    c.bytesToClient += bytes;
  }
};

export interface TargetUdpStats {
  sessionsTotal: number;
  readonly traffic: Traffic;
  readonly drops: Map<UdpDropReason, number>;
}

/** Totals of one listener that outlive the listener object (a rebind on reload keeps counting). */
export interface UdpStats {
  sessionsTotal: number;
  readonly traffic: Traffic;
  readonly drops: Map<UdpDropReason, number>;
  /** pool → target → sessions started and traffic. */
  readonly targets: Map<string, Map<string, TargetUdpStats>>;
}

export const newUdpStats = (): UdpStats => ({
  sessionsTotal: 0,
  traffic: noTraffic(),
  drops: new Map(),
  targets: new Map(),
});

export const countDrop = (m: Map<UdpDropReason, number>, reason: UdpDropReason): void => {
  m.set(reason, (m.get(reason) ?? 0) + 1);
};
