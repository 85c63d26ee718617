import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { socketFailure, type Probe, type ProbeResult } from '../probe.js';
import { judgeReply, unescapeCheck } from './send-expect.js';

export interface UdpCheck {
  /** The datagram sent; `\xHH` escapes give any byte (a DNS query), besides send-expect's. */
  readonly send?: string | undefined;
  /** Without it, any reply passes, and so does the timeout without an ICMP port unreachable. */
  readonly expect?: string | undefined;
  readonly expectRegex: boolean;
  readonly port?: number | undefined;
}

/** send-expect's escapes plus `\xHH`, in one pass so that `\\x41` stays a backslash and "x41". */
export const unescapeDatagram = (s: string): Buffer => {
  const bytes: number[] = [];
  let last = 0;
  for (const m of s.matchAll(/\\(x[0-9a-fA-F]{2}|[rnt0\\])/g)) {
    bytes.push(...Buffer.from(s.slice(last, m.index), 'utf8'));
    const e = m[1]!;
    if (e.startsWith('x')) bytes.push(parseInt(e.slice(1), 16));
    else bytes.push(...Buffer.from(unescapeCheck(`\\${e}`), 'utf8'));
    last = m.index + m[0].length;
  }
  bytes.push(...Buffer.from(s.slice(last), 'utf8'));
  return Buffer.from(bytes);
};

/**
 * Datagram check: send one datagram from a connected socket, then judge the first reply. An ICMP
 * port unreachable arrives as ECONNREFUSED on a connected socket: down. With no `expect`, a
 * silent target passes at the timeout (nginx's rule for UDP checks without a match).
 */
export const udpProbe = (c: UdpCheck, prelude?: () => Buffer): Probe => {
  const payload = unescapeDatagram(c.send ?? '');
  const judge = c.expect === undefined ? undefined : judgeReply({ expect: c.expect, expectRegex: c.expectRegex });
  return (target, signal) =>
    new Promise<ProbeResult>((resolve) => {
      const started = performance.now();
      const sock = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
      const done = (r: ProbeResult): void => {
        signal.removeEventListener('abort', onAbort);
        sock.close();
        resolve(r);
      };
      const passed = (detail: string): ProbeResult => ({ ok: true, latencyMs: performance.now() - started, detail });
      const onAbort = (): void =>
        done(judge ? { ok: false, detail: 'no matching reply (timeout)' } : passed('no port unreachable'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      // Out of descriptors or buffers here (EMFILE…) is `local`: it says nothing of the target.
      sock.on('error', (e: NodeJS.ErrnoException) =>
        done(e.code === 'ECONNREFUSED' ? { ok: false, detail: 'port unreachable' } : socketFailure('udp', e)),
      );
      sock.on('message', (msg) => {
        if (!judge) return done(passed('reply received'));
        const verdict = judge(msg, true);
        if (verdict?.ok) done(passed(verdict.detail));
      });
      sock.connect(c.port ?? target.port, target.host, () => {
        sock.send(prelude ? [prelude(), payload] : payload);
      });
    });
};
