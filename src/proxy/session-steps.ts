import type { CloseReason } from '../core/close-reason.js';
import type { TargetId } from '../core/types.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { Target } from '../pool/target.js';
import type { PoolContext, SessionObserver } from './session-types.js';

// The bookkeeping a proxied connection does at its connect and at its end, shared by the
// JavaScript session (src/proxy/session.ts) and the natively accepted one (native-session.ts), so
// that the access log, metrics, passive health and balancer counts cannot tell them apart.

/** A connect to `target` failed: it is skipped by the next attempt; returns the set of tried targets. */
export function noteConnectFailure(
  ctx: PoolContext,
  observer: SessionObserver,
  target: Target,
  reason: 'connect_failed' | 'connect_timeout',
  detail: string,
  tried: Set<TargetId> | undefined,
): Set<TargetId> {
  // Only a failed target is skipped: a connection that got through on its first try never allocates the set.
  const out = tried ?? new Set<TargetId>();
  out.add(target.id);
  target.lastFailureAt = performance.now();
  ctx.pool.release(target, 0, 0);
  ctx.health.reportConnectFailure(target.id, detail);
  observer.onConnectError(ctx.pool.name, target.id, reason, detail);
  return out;
}

/** Connected to `target`: passive health and the connect-time metric. */
export function noteConnected(ctx: PoolContext, observer: SessionObserver, target: Target, connectMs: number): void {
  ctx.health.reportConnectSuccess(target.id);
  observer.onConnected(ctx.pool.name, target.id, connectMs);
}

export interface SessionFacts {
  readonly listener: string;
  readonly info: ConnInfo;
  readonly target: Target | undefined;
  readonly fromClient: number;
  readonly toClient: number;
  readonly startedAt: number;
  readonly connectMs: number | undefined;
  readonly attempts: number;
  readonly reason: CloseReason | undefined;
  readonly firstEnd: 'client' | 'backend' | undefined;
}

/** The end: the target's slot and byte counts, then one access-log line and the metrics. */
export function noteSessionEnd(ctx: PoolContext, observer: SessionObserver, f: SessionFacts): void {
  if (f.target) ctx.pool.release(f.target, f.fromClient, f.toClient);
  observer.onSessionEnd({
    listener: f.listener,
    pool: ctx.pool.name,
    client: f.info.clientIp,
    clientPort: f.info.clientPort,
    sni: f.info.sni,
    target: f.target?.id,
    bytesFromClient: f.fromClient,
    bytesToClient: f.toClient,
    durationMs: Math.round(performance.now() - f.startedAt),
    connectMs: f.connectMs === undefined ? undefined : Math.round(f.connectMs * 1000) / 1000,
    attempts: f.attempts,
    reason: f.reason ?? (f.firstEnd === 'backend' ? 'backend_close' : 'client_close'),
  });
}
