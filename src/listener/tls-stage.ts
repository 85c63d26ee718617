import type { ListenerConfig, ListenerTlsConfig } from '../config/schema.js';
import { loadServerCertificates } from '../tls/server-certificates.js';
import { tlsTerminator } from '../tls/terminator.js';
import { clientHelloInspector } from './client-hello-inspector.js';
import type { Inspector } from './inspector.js';
import type { ListenerPipeline } from './listener.js';

export interface TlsStage {
  readonly inspectors: readonly Inspector[];
  readonly wrap?: ListenerPipeline['wrap'];
}

/**
 * The TLS part of a listener's pipeline. Termination (`tls`) does the handshake and routes on its
 * server name; passthrough (routes by server name, or `noSni: close`) peeks at the ClientHello and
 * leaves the bytes alone. Certificates are read here, so a bad file fails the (re)load.
 */
export function tlsStage(name: string, l: ListenerConfig): TlsStage {
  if (l.tls) return { inspectors: [], wrap: terminator(name, l, l.tls) };
  const sniNeeded = (l.routes?.length ?? 0) > 0 || l.noSni === 'close';
  if (!sniNeeded) return { inspectors: [] };
  return {
    inspectors: [clientHelloInspector({ timeoutMs: l.clientHelloTimeout, closeWithoutSni: l.noSni === 'close' })],
  };
}

function terminator(name: string, l: ListenerConfig, t: ListenerTlsConfig): TlsStage['wrap'] {
  const certificates = loadServerCertificates({
    certificates: [
      ...(t.cert !== undefined && t.key !== undefined ? [{ cert: t.cert, key: t.key }] : []),
      ...t.certificates,
    ],
    minVersion: t.minVersion,
    where: `listeners.${name}.tls`,
  });
  return tlsTerminator({
    certificates,
    alpn: t.alpn,
    handshakeTimeoutMs: t.handshakeTimeout,
    closeWithoutSni: l.noSni === 'close',
  });
}
