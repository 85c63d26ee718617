import type { ListenerConfig } from '../config/schema.js';
import { clientHelloInspector } from './client-hello-inspector.js';
import type { Inspector } from './inspector.js';

export interface TlsStage {
  readonly inspectors: readonly Inspector[];
}

/**
 * The TLS part of a listener's pipeline. Passthrough (routes by server name, or `noSni: close`)
 * peeks at the ClientHello and leaves the bytes alone.
 */
export function tlsStage(l: ListenerConfig): TlsStage {
  const sniNeeded = (l.routes?.length ?? 0) > 0 || l.noSni === 'close';
  if (!sniNeeded) return { inspectors: [] };
  return {
    inspectors: [clientHelloInspector({ timeoutMs: l.clientHelloTimeout, closeWithoutSni: l.noSni === 'close' })],
  };
}
