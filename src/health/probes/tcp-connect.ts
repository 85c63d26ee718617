import { connect } from 'node:net';
import { socketFailure, type Probe, type ProbeResult } from '../probe.js';

/** Bytes a check sends once connected (a PROXY header), from its own socket's endpoints. */
export type ProbePrelude = (
  local: { address: string; port: number },
  remote: { address: string; port: number },
) => Buffer;

/** Layer-4 check: the target accepts a TCP connection (and the prelude, when there is one). */
export const tcpConnectProbe =
  (port?: number, prelude?: ProbePrelude): Probe =>
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
      sock.once('connect', () => {
        const ok: ProbeResult = { ok: true, latencyMs: performance.now() - started, detail: 'connect ok' };
        if (!prelude) return done(ok);
        const local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
        const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
        sock.write(prelude(local, remote), () => done(ok)); // a write error ends it through 'error' first
      });
      sock.once('error', (e: NodeJS.ErrnoException) => done(socketFailure('connect', e)));
    });
