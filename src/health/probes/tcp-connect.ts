import { connect } from 'node:net';
import type { Probe, ProbeResult } from '../probe.js';

/** Layer-4 check: the target accepts a TCP connection. */
export const tcpConnectProbe =
  (port?: number): Probe =>
  (target, signal) =>
    new Promise<ProbeResult>((resolve) => {
      const started = performance.now();
      const sock = connect({ host: target.host, port: port ?? target.port });
      const done = (r: ProbeResult): void => {
        signal.removeEventListener('abort', onAbort);
        sock.destroy();
        resolve(r);
      };
      const onAbort = (): void => done({ ok: false, detail: 'connect timeout' });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      sock.once('connect', () => done({ ok: true, latencyMs: performance.now() - started, detail: 'connect ok' }));
      sock.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, detail: `connect ${e.code ?? e.message}` }));
    });
