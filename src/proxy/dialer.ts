import { connect, type Socket } from 'node:net';
import type { TargetSpec } from '../core/types.js';

export interface DialOptions {
  readonly keepAliveMs: number;
}

/** Opens the upstream connection; TLS or PROXY-protocol dialers wrap or replace this one. */
export type Dialer = (target: TargetSpec) => Socket;

export const tcpDialer =
  (opts: DialOptions): Dialer =>
  (target) =>
    connect({
      host: target.host,
      port: target.port,
      allowHalfOpen: true, // the client's FIN must not close the backend's direction
      noDelay: true,
      keepAlive: opts.keepAliveMs > 0,
      keepAliveInitialDelay: opts.keepAliveMs,
    });
