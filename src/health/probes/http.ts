import { formatHostPort } from '../../core/address.js';
import type { Probe } from '../probe.js';
import { converse, showReply, type Judge } from './conversation.js';
import type { ProbePrelude } from './tcp-connect.js';

export interface HttpCheck {
  readonly path: string;
  /** Host header; default: the target's address and checked port. */
  readonly host?: string | undefined;
  /** `200` is that status only; `2xx` any of 200-299. */
  readonly expectStatus: number | string;
  readonly port?: number | undefined;
}

export const statusMatches = (status: number, expect: number | string): boolean =>
  typeof expect === 'number' ? status === expect : Math.floor(status / 100) === Number(expect[0]);

/** Judges an HTTP response by its status line; the rest is not read. */
export const judgeStatus =
  (expect: number | string): Judge =>
  (received, ended) => {
    const end = received.indexOf('\r\n');
    if (end < 0 && !ended) return undefined;
    const line = received.subarray(0, end < 0 ? received.length : end);
    const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: |$)/.exec(line.toString('latin1'));
    if (!m) return { ok: false, detail: `not an HTTP response: got ${showReply(line)}` };
    const status = Number(m[1]);
    return statusMatches(status, expect)
      ? { ok: true, detail: `HTTP ${status}` }
      : { ok: false, detail: `HTTP ${status} (expected ${expect})` };
  };

export const httpRequest = (path: string, host: string): Buffer =>
  Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: tcp-loadbalancer-health-check\r\nConnection: close\r\n\r\n`,
    'latin1',
  );

/** Layer-7 check: GET `path` answers with the expected status. */
export const httpProbe =
  (c: HttpCheck, prelude?: ProbePrelude): Probe =>
  (target, signal) =>
    converse(
      target,
      signal,
      {
        port: c.port,
        request: httpRequest(c.path, c.host ?? formatHostPort({ host: target.host, port: c.port ?? target.port })),
        judge: judgeStatus(c.expectStatus),
        awaiting: 'an HTTP status line',
      },
      prelude,
    );
