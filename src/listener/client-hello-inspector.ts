import { CLIENT_HELLO_MAX_BYTES, parseClientHello } from '../protocol/tls/client-hello.js';
import type { ConnInfo } from './conn-info.js';
import type { InspectDecision, Inspector } from './inspector.js';

export interface ClientHelloInspectorOptions {
  /** Time for the ClientHello to arrive. */
  readonly timeoutMs: number;
  /** Close connections that are not TLS or send no server name, instead of passing them on. */
  readonly closeWithoutSni: boolean;
}

/**
 * Peeks at the TLS ClientHello to learn the server name and ALPN offer without decrypting. It
 * consumes nothing: the session forwards every byte it read, untouched, to the chosen pool.
 */
export function clientHelloInspector(o: ClientHelloInspectorOptions): Inspector {
  const withoutSni = (info: ConnInfo, detail: string): InspectDecision =>
    o.closeWithoutSni ? { reject: 'sni_unmatched', detail } : { consumed: 0, info };
  return {
    name: 'tls-client-hello',
    maxBytes: CLIENT_HELLO_MAX_BYTES,
    timeoutMs: o.timeoutMs,
    timeoutReason: 'sni_unmatched',
    inspect(buf, info) {
      const r = parseClientHello(buf);
      if (r.kind === 'need-more') return 'need-more';
      if (r.kind !== 'hello') return withoutSni(info, r.detail);
      const next: ConnInfo = { ...info, sni: r.sni, alpn: r.alpn };
      return r.sni === undefined ? withoutSni(next, 'ClientHello without server name') : { consumed: 0, info: next };
    },
    // A client that waits for the server to speak first is not TLS: treat it like other non-TLS.
    onTimeout: (_buf, info) => withoutSni(info, `no ClientHello within ${o.timeoutMs}ms`),
  };
}
