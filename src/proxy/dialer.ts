import { connect, type Socket } from 'node:net';
import type { TargetSpec } from '../core/types.js';

export interface DialOptions {
  readonly keepAliveMs: number;
}

/**
 * Opens the upstream connection. `prelude` (a PROXY header) must reach the target before anything
 * else: a plain TCP dialer leaves it to the session, which writes it with the first client bytes;
 * a dialer that adds a layer (TLS) sends it in clear before that layer starts, and returns a
 * TLSSocket so that the session knows it was sent.
 */
export interface Dialer {
  (target: TargetSpec, prelude?: Buffer): Socket;
  /** Only on the plain TCP dialer: the native relay may dial in its place (native accept). */
  readonly plainTcp?: DialOptions;
}

export const tcpDialer = (opts: DialOptions): Dialer =>
  Object.assign(
    (target: TargetSpec) =>
      connect({
        host: target.host,
        port: target.port,
        allowHalfOpen: true, // the client's FIN must not close the backend's direction
        noDelay: true,
        keepAlive: opts.keepAliveMs > 0,
        keepAliveInitialDelay: opts.keepAliveMs,
      }),
    { plainTcp: opts },
  );
