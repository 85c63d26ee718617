import type { Socket } from 'node:net';
import type { CloseReason } from '../core/close-reason.js';
import type { ConnInfo } from './conn-info.js';

/**
 * Looks at (and may consume) the first bytes of a connection before routing: the PROXY-protocol
 * header, a TLS ClientHello. Pure over bytes: `need-more` until it can decide.
 */
export interface Inspector {
  readonly name: string;
  /** Bytes this inspector may need at most before it must decide. */
  readonly maxBytes: number;
  /** Time allowed for its bytes to arrive, from the start of inspection. */
  readonly timeoutMs: number;
  readonly timeoutReason: CloseReason;
  /** Skip this inspector for this connection (e.g. untrusted source served without a header). */
  applies?(info: ConnInfo): boolean;
  inspect(buf: Buffer, info: ConnInfo): 'need-more' | InspectDecision;
  /**
   * Decides with what came when the time is up (a client that waits for the server to speak
   * first sends nothing); without it, or when it returns undefined, the connection is closed
   * with `timeoutReason`.
   */
  onTimeout?(buf: Buffer, info: ConnInfo): InspectDecision | undefined;
}

export type InspectDecision = { consumed: number; info: ConnInfo } | { reject: CloseReason; detail: string };

/** `head`: bytes read but not consumed, to forward first; `ended`: the client already sent FIN. */
export type InspectResult =
  { ok: true; info: ConnInfo; head: Buffer; ended: boolean } | { ok: false; reason: CloseReason; detail: string };

/**
 * Reads just enough bytes for every inspector, in order; consumed bytes are dropped, the rest is
 * handed to the session (`head`) so the relay forwards them first, untouched. Bounded in bytes and in time.
 */
export function runInspectors(sock: Socket, info0: ConnInfo, inspectors: readonly Inspector[]): Promise<InspectResult> {
  return new Promise((resolve) => {
    const active = inspectors.filter((i) => i.applies?.(info0) ?? true);
    if (active.length === 0) return resolve({ ok: true, info: info0, head: Buffer.alloc(0), ended: false });
    let idx = 0;
    let info = info0;
    let buf: Buffer = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let ended = false;
    const finish = (r: InspectResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('close', onClose);
      sock.pause();
      resolve(r);
    };
    const arm = (): void => {
      clearTimeout(timer);
      const cur = active[idx]!;
      timer = setTimeout(() => {
        const r = cur.onTimeout?.(buf, info);
        if (r === undefined)
          return finish({
            ok: false,
            reason: cur.timeoutReason,
            detail: `${cur.name}: timeout after ${cur.timeoutMs}ms`,
          });
        if (decide(cur, r)) step();
      }, cur.timeoutMs);
    };
    /** Applies an inspector's decision; false when it ended the inspection. */
    const decide = (cur: Inspector, r: InspectDecision): boolean => {
      if ('reject' in r) {
        finish({ ok: false, reason: r.reject, detail: `${cur.name}: ${r.detail}` });
        return false;
      }
      buf = buf.subarray(r.consumed);
      info = r.info;
      idx++;
      if (idx < active.length) arm();
      return true;
    };
    const step = (): void => {
      while (idx < active.length) {
        const cur = active[idx]!;
        const r = cur.inspect(buf, info);
        if (r === 'need-more') {
          if (buf.length >= cur.maxBytes)
            return finish({
              ok: false,
              reason: cur.timeoutReason,
              detail: `${cur.name}: more than ${cur.maxBytes} bytes without a decision`,
            });
          return;
        }
        if (!decide(cur, r)) return;
      }
      finish({ ok: true, info, head: buf, ended });
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      step();
    };
    const onEnd = (): void => {
      // The client sent FIN (or vanished) before the inspectors decided: judge what came.
      ended = true;
      step();
      finish({ ok: false, reason: 'client_close', detail: 'client closed during inspection' });
    };
    const onClose = (): void =>
      finish({ ok: false, reason: 'client_close', detail: 'client closed during inspection' });
    arm();
    sock.on('data', onData);
    sock.once('end', onEnd);
    sock.once('close', onClose);
  });
}
