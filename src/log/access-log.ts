import type { ListenerObserver } from '../listener/listener.js';
import type { SessionEnd } from '../proxy/session-types.js';
import type { Logger } from './logger.js';

/** One line per closed connection, plus connect errors and rejections, through pino. */
export class AccessLog implements ListenerObserver {
  constructor(
    private readonly log: Logger,
    private readonly enabled: boolean,
  ) {}

  onSessionEnd(e: SessionEnd): void {
    if (!this.enabled) return;
    const level =
      e.reason === 'no_healthy_target' || e.reason === 'connect_failed' || e.reason === 'connect_timeout'
        ? 'warn'
        : 'info';
    this.log[level]({ access: e }, 'connection closed');
  }

  onConnectError(pool: string, target: string, reason: string, detail: string): void {
    this.log.warn({ pool, target, reason }, `connect to ${target} failed: ${detail}`);
  }

  onConnected(): void {
    // counted by metrics only
  }

  onRejected(listener: string, reason: string): void {
    this.log.warn({ listener, reason }, 'connection rejected');
  }
}

/** Sends every event to each observer in turn (access log, metrics…). */
export function fanout(observers: readonly ListenerObserver[]): ListenerObserver {
  return {
    onSessionEnd: (e) => observers.forEach((o) => o.onSessionEnd(e)),
    onConnectError: (p, t, r, d) => observers.forEach((o) => o.onConnectError(p, t, r, d)),
    onConnected: (p, t, ms) => observers.forEach((o) => o.onConnected(p, t, ms)),
    onRejected: (l, r) => observers.forEach((o) => o.onRejected(l, r)),
  };
}
