import type { Logger } from '../log/logger.js';
import type { UdpDropReason, UdpObserver, UdpSessionEnd } from './udp-types.js';

/**
 * One line per ended UDP session ("udp session ended", `access` as for TCP connections). Drops are
 * counted by the metrics; here only at debug level, since a flood of them must not flood the log.
 */
export class UdpAccessLog implements UdpObserver {
  constructor(
    private readonly log: Logger,
    private readonly enabled: () => boolean,
  ) {}

  onUdpSessionEnd(e: UdpSessionEnd): void {
    if (this.enabled()) this.log.info({ access: e }, 'udp session ended');
  }

  onUdpDrop(listener: string, reason: UdpDropReason, detail: string): void {
    this.log.debug({ listener, reason }, `udp datagram dropped: ${detail}`);
  }
}
