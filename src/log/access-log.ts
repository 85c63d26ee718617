import type { CloseReason } from '../core/close-reason.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { ListenerObserver } from '../listener/listener.js';
import type { SessionEnd } from '../proxy/session-types.js';
import type { Logger } from './logger.js';

const UPSTREAM_FAILURES: ReadonlySet<CloseReason> = new Set([
  'no_healthy_target',
  'panic',
  'connect_failed',
  'connect_timeout',
  'queue_timeout',
  'queue_full',
]);
const POLICY_REFUSALS: ReadonlySet<CloseReason> = new Set(['denied', 'rate_limited', 'max_connections']);

/** One line per closed connection, plus connect errors and rejections, through pino. */
export class AccessLog implements ListenerObserver {
  constructor(
    private readonly log: Logger,
    private readonly enabled: boolean,
  ) {}

  onSessionEnd(e: SessionEnd): void {
    if (!this.enabled) return;
    const level = UPSTREAM_FAILURES.has(e.reason) ? 'warn' : 'info';
    this.log[level]({ access: e }, 'connection closed');
  }

  onConnectError(pool: string, target: string, reason: string, detail: string): void {
    this.log.warn({ pool, target, reason }, `connect to ${target} failed: ${detail}`);
  }

  onConnected(): void {
    // counted by metrics only
  }

  onPanic(pool: string, target: string, episodeStart: boolean): void {
    if (episodeStart)
      this.log.warn(
        { pool, target },
        `pool ${pool} has no eligible target: trying DOWN targets as a last resort (panic), first ${target}`,
      );
  }

  onRejected(listener: string, reason: CloseReason, info?: ConnInfo, detail?: string): void {
    if (!this.enabled) return;
    // Refusals by policy are expected under load or a scan: info, so they cannot flood warnings.
    const level = POLICY_REFUSALS.has(reason) ? 'info' : 'warn';
    const access = { listener, client: info?.clientIp, clientPort: info?.clientPort, reason, detail };
    this.log[level]({ access }, 'connection rejected');
  }
}

/** Sends every event to each observer in turn (access log, metrics…). */
export function fanout(observers: readonly ListenerObserver[]): ListenerObserver {
  if (observers.length === 1) return observers[0]!; // no extra call per event (metrics off)
  return {
    onAccepted: (l, i) => observers.forEach((o) => o.onAccepted?.(l, i)),
    onSessionEnd: (e) => observers.forEach((o) => o.onSessionEnd(e)),
    onConnectError: (p, t, r, d) => observers.forEach((o) => o.onConnectError(p, t, r, d)),
    onConnected: (p, t, ms) => observers.forEach((o) => o.onConnected(p, t, ms)),
    onPanic: (p, t, e) => observers.forEach((o) => o.onPanic?.(p, t, e)),
    onRejected: (l, r, i, d) => observers.forEach((o) => o.onRejected(l, r, i, d)),
    onDeadlineClose: (l, idle) => observers.forEach((o) => o.onDeadlineClose?.(l, idle)),
    onPaused: (l, r) => observers.forEach((o) => o.onPaused?.(l, r)),
    onResumed: (l, ms) => observers.forEach((o) => o.onResumed?.(l, ms)),
  };
}
