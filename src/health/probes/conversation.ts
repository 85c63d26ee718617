import { connect } from 'node:net';
import type { TargetSpec } from '../../core/types.js';
import { socketFailure, type ProbeResult } from '../probe.js';
import type { ProbePrelude } from './tcp-connect.js';

/** A reply is judged on what arrived so far: a verdict, or undefined to read on. */
export type Judge = (received: Buffer, ended: boolean) => { ok: boolean; detail: string } | undefined;

export interface Conversation {
  /** Check this port instead of the target's. */
  readonly port?: number | undefined;
  /** Sent once connected, after the prelude and in the same write. */
  readonly request?: Buffer | undefined;
  readonly judge: Judge;
  /** What the check waits for, for messages: "an HTTP status line", "a reply matching …". */
  readonly awaiting: string;
}

/** Replies are judged within their first 64 KiB: a check never buffers more. */
export const MAX_REPLY_BYTES = 64 * 1024;

/** `"+PONG\r\n"`: a reply as a message shows it, escaped and cut short. */
export const showReply = (b: Buffer): string => {
  const text = b.subarray(0, 60).toString('latin1');
  return JSON.stringify(b.length > 60 ? `${text}…` : text);
};

/**
 * One request/reply exchange of a layer-7 check: connect, write (PROXY header +) request in one
 * write, read until the judge decides, the peer closes, or `signal` aborts (the check timeout).
 * A raw socket rather than node:http, so that a PROXY header can go first and one helper serves
 * both the http and the send-expect checks.
 */
export function converse(
  target: TargetSpec,
  signal: AbortSignal,
  c: Conversation,
  prelude?: ProbePrelude,
): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const started = performance.now();
    const sock = connect({ host: target.host, port: c.port ?? target.port });
    let connected = false;
    let received = Buffer.alloc(0);
    const got = (): string => (received.length > 0 ? `; got ${showReply(received)}` : '; got nothing');
    const done = (r: { ok: boolean; detail: string }): void => {
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(
        r.ok ? { ok: true, latencyMs: performance.now() - started, detail: r.detail } : { ok: false, detail: r.detail },
      );
    };
    const onAbort = (): void =>
      done({ ok: false, detail: connected ? `timeout waiting for ${c.awaiting}${got()}` : 'connect timeout' });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => {
      connected = true;
      const local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
      const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
      const first = [prelude?.(local, remote), c.request].filter((b): b is Buffer => b !== undefined && b.length > 0);
      if (first.length > 0) sock.write(Buffer.concat(first));
    });
    sock.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]).subarray(0, MAX_REPLY_BYTES);
      const verdict = c.judge(received, false);
      if (verdict) return done(verdict);
      if (received.length >= MAX_REPLY_BYTES)
        done({ ok: false, detail: `no ${c.awaiting} in the first ${MAX_REPLY_BYTES} bytes` });
    });
    sock.once('end', () =>
      done(c.judge(received, true) ?? { ok: false, detail: `closed before ${c.awaiting}${got()}` }),
    );
    sock.once('error', (e: NodeJS.ErrnoException) => done(socketFailure(connected ? 'read' : 'connect', e)));
  });
}
