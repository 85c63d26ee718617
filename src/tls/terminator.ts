import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ConnInfo } from '../listener/conn-info.js';
import type { WrapResult } from '../listener/listener.js';
import type { ServerCertificates } from './server-certificates.js';

export interface TerminatorOptions {
  readonly certificates: ServerCertificates;
  /** Protocols to agree on with the client (ALPN), in our order of preference. */
  readonly alpn: readonly string[] | undefined;
  readonly handshakeTimeoutMs: number;
  /** Close a client that names no server (`noSni: close`) with `sni_unmatched`. */
  readonly closeWithoutSni: boolean;
}

/**
 * TLS termination for a listener: a server-side TLSSocket over the accepted socket (rather than a
 * tls.Server, so that a PROXY header can be read first), handshake done before a pool is chosen.
 * Failures become close reasons, never exceptions.
 */
export function tlsTerminator(
  o: TerminatorOptions,
): (raw: Socket, info: ConnInfo, head: Buffer) => Promise<WrapResult> {
  const certs = o.certificates;
  return (raw, info, head) =>
    new Promise((resolve) => {
      // Bytes the inspectors read past a PROXY header belong to the handshake.
      if (head.length > 0) raw.unshift(head);
      const sock = new TLSSocket(raw, {
        isServer: true,
        secureContext: certs.default,
        SNICallback: (name, cb) => cb(null, certs.select(name)),
        ...(o.alpn ? { ALPNProtocols: [...o.alpn] } : {}),
      });
      const settle = (r: WrapResult): void => {
        clearTimeout(timer);
        sock.off('error', onError);
        sock.off('close', onClose);
        sock.off('end', onEnd);
        if (!r.ok) {
          sock.on('error', noop);
          sock.destroy();
        }
        resolve(r);
      };
      const onError = (e: NodeJS.ErrnoException): void =>
        settle({ ok: false, reason: 'tls_error', detail: `handshake failed: ${e.code ?? e.message}` });
      const onEnd = (): void =>
        settle({ ok: false, reason: 'client_close', detail: 'client closed its side during the TLS handshake' });
      const onClose = (): void =>
        settle({ ok: false, reason: 'client_close', detail: 'client closed during the TLS handshake' });
      const timer = setTimeout(
        () => settle({ ok: false, reason: 'tls_error', detail: `no TLS handshake within ${o.handshakeTimeoutMs}ms` }),
        o.handshakeTimeoutMs,
      );
      sock.on('error', onError);
      sock.once('close', onClose);
      // A client's FIN ends the handshake now: it can no longer complete it (the timeout is for
      // clients that stay silent). Bytes that are not TLS fail in OpenSSL at once ('error').
      sock.once('end', onEnd);
      sock.once('secure', () => {
        const sni = typeof sock.servername === 'string' && sock.servername !== '' ? sock.servername : undefined;
        if (sni === undefined && o.closeWithoutSni)
          return settle({ ok: false, reason: 'sni_unmatched', detail: 'TLS handshake without server name' });
        const alpn = typeof sock.alpnProtocol === 'string' ? [sock.alpnProtocol] : undefined;
        settle({ ok: true, sock, info: { ...info, sni: sni?.toLowerCase(), alpn } });
      });
    });
}

const noop = (): void => undefined;
