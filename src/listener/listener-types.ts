import type { Socket } from 'node:net';
import type { CloseReason, Refusal } from '../core/close-reason.js';
import type { PoolContext, SessionObserver } from '../proxy/session-types.js';
import type { SocketSource, SocketSpec } from '../supervisor/socket-spec.js';
import type { ConnInfo } from './conn-info.js';
import type { Inspector } from './inspector.js';
import type { PauseObserver } from './accept-control.js';

// The contracts of a listener (src/listener/listener.ts): its settings, what it tells its
// observer, and the pipeline a new connection goes through.

export interface ListenerSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number | undefined;
  readonly keepAliveMs: number;
  /** SO_REUSEPORT, so that several processes can each listen on the port (Node >= 22.12). */
  readonly reusePort?: boolean;
  /** The listening socket comes from here (a supervisor holding it across upgrades), not a bind. */
  readonly sockets?: SocketSource | undefined;
  /** Accept and connect plain TCP connections in the native relay's thread (config `nativeAccept`). */
  readonly nativeAccept?: boolean;
}

export const socketSpecOf = (s: ListenerSettings): SocketSpec => ({
  kind: 'tcp',
  name: s.name,
  host: s.host,
  port: s.port,
});

export type AdmitStage = 'accept' | 'inspected';

export interface ListenerObserver extends SessionObserver, PauseObserver {
  /** A client connection was accepted (before admission and inspection). */
  onAccepted?(listener: string, info: ConnInfo): void;
  /** A connection closed before it reached a pool: denied, limited, bad header, no route… */
  onRejected(listener: string, reason: CloseReason, info?: ConnInfo, detail?: string): void;
  /** A connection still open at the drain deadline is closed now (idle: no byte for a while). */
  onDeadlineClose?(listener: string, idle: boolean): void;
}

/**
 * How a listener handles a new connection, swapped as a whole on reload:
 * admit (before any byte is read) → inspectors (PROXY header, ClientHello) → wrap (TLS
 * termination) → route to a pool.
 */
export interface ListenerPipeline {
  /**
   * Access control and per-client limits, run at 'accept' (before any byte is read: the TCP peer)
   * and again at 'inspected' (the client a trusted PROXY header advertised); returns why the
   * connection is refused, if it is.
   */
  readonly admit?: ((info: ConnInfo, stage: AdmitStage) => Refusal | undefined) | undefined;
  /** Told, once for each admit that let a connection in and with its arguments, when it closes. */
  readonly release?: ((info: ConnInfo, stage: AdmitStage) => void) | undefined;
  readonly inspectors: readonly Inspector[];
  /**
   * Takes the socket over after the inspectors (TLS termination); `head` holds the bytes they read
   * but did not consume. Resolves, once the handshake is done, with the socket to relay.
   */
  readonly wrap?: ((raw: Socket, info: ConnInfo, head: Buffer) => Promise<WrapResult>) | undefined;
  readonly route: (info: ConnInfo) => PoolContext | undefined;
}

export type WrapResult =
  | { readonly ok: true; readonly sock: Socket; readonly info: ConnInfo }
  | { readonly ok: false; readonly reason: CloseReason; readonly detail: string };
