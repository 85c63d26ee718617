import { isIP } from 'node:net';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
import { TlsConfigError } from '../core/errors.js';
import type { PoolConfig } from '../config/schema.js';
import { tcpDialer, type Dialer } from '../proxy/dialer.js';
import { opensslMessage, readPemFile } from './pem.js';

export type UpstreamTlsConfig = NonNullable<PoolConfig['tls']>;

/**
 * How a pool connects to its targets: plain TCP, or TLS on top of the same TCP dial. The session
 * waits for 'secureConnect' on a TLS socket, so the pool's connect timeout covers the handshake and
 * a failed verification is a failed connect (retried on another target, counted by passive health).
 */
export function poolDialer(pool: string, p: PoolConfig, keepAliveMs: number): Dialer {
  const tcp = tcpDialer({ keepAliveMs });
  const t = p.tls;
  if (!t?.enabled) return tcp;
  const secureContext = upstreamContext(pool, t);
  return (target, prelude) => {
    const raw = tcp(target);
    // Queued while connecting, so it goes out before the ClientHello, in clear: a PROXY header
    // precedes the handshake, as HAProxy's `send-proxy` with `ssl` does.
    if (prelude) raw.write(prelude);
    return connect({
      socket: raw,
      // Verification checks `servername`, else `host` (an IP address is checked against IP SANs).
      host: target.host,
      // RFC 6066 forbids an IP address as server name: send none then.
      servername: t.servername ?? (isIP(target.host) === 0 ? target.host : undefined),
      secureContext,
      rejectUnauthorized: t.verify,
      ...(t.alpn ? { ALPNProtocols: [...t.alpn] } : {}),
    });
  };
}

function upstreamContext(pool: string, t: UpstreamTlsConfig): SecureContext {
  const ca = t.ca === undefined ? undefined : readPemFile(t.ca, `pools.${pool}.tls.ca`);
  try {
    // With `ca`, only that CA is trusted; without it, Node's bundled root certificates are.
    return createSecureContext({ minVersion: t.minVersion, ...(ca ? { ca } : {}) });
  } catch (e) {
    throw new TlsConfigError(`pools.${pool}.tls.ca: ${t.ca}: ${opensslMessage(e)}`, e);
  }
}

/** Warnings to log whenever a config is applied: TLS settings that weaken security. */
export function upstreamTlsWarnings(pools: Readonly<Record<string, PoolConfig>>): string[] {
  return Object.entries(pools)
    .filter(([, p]) => p.tls?.enabled === true && !p.tls.verify)
    .map(
      ([name]) =>
        `pool ${name}: upstream TLS certificate verification is off (tls.verify: false); ` +
        'the connection is encrypted but anyone on the path can pretend to be the backend',
    );
}
