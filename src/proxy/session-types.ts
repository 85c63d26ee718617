import type { CloseReason } from '../core/close-reason.js';
import type { PassiveHealth } from '../health/health-control.js';
import type { Pool } from '../pool/pool.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { Target } from '../pool/target.js';
import type { Dialer } from './dialer.js';

export interface UpstreamSettings {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number; // 0 = off
  readonly retries: number;
}

/** What a session needs of its pool: membership, passive health, dialing and timeouts. */
export interface PoolContext {
  readonly pool: Pool;
  readonly health: PassiveHealth;
  readonly dialer: Dialer;
  readonly settings: UpstreamSettings;
  /** Bytes to send upstream before any client byte, in the same write (a PROXY header). */
  readonly prelude?: ((info: ConnInfo, target: Target) => Buffer | undefined) | undefined;
}

export interface SessionEnd {
  readonly listener: string;
  readonly pool: string;
  readonly client: string;
  readonly clientPort: number;
  /** The TLS server name the client asked for (ClientHello or handshake), when known. */
  readonly sni?: string | undefined;
  readonly target: string | undefined;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly durationMs: number;
  readonly connectMs: number | undefined;
  readonly attempts: number;
  readonly reason: CloseReason;
}

/** Metrics and the access log observe sessions through this; the data path imports neither. */
export interface SessionObserver {
  onConnectError(pool: string, target: string, reason: 'connect_failed' | 'connect_timeout', detail: string): void;
  onConnected(pool: string, target: string, connectMs: number): void;
  onSessionEnd(end: SessionEnd): void;
  /** No target was eligible and a DOWN one is tried as the last resort; `episodeStart` once per episode. */
  onPanic?(pool: string, target: string, episodeStart: boolean): void;
}
