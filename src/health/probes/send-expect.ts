import type { Probe } from '../probe.js';
import { converse, type Judge } from './conversation.js';
import type { ProbePrelude } from './tcp-connect.js';

export interface SendExpectCheck {
  /** Sent once connected; none for protocols where the server speaks first (SMTP, MySQL). */
  readonly send?: string | undefined;
  readonly expect: string;
  /** `expect` is a regular expression rather than a substring. */
  readonly expectRegex: boolean;
  readonly port?: number | undefined;
}

const ESCAPES: Record<string, string> = { r: '\r', n: '\n', t: '\t', '0': '\0', '\\': '\\' };

/** `\r`, `\n`, `\t`, `\0` and `\\` written as two characters (single-quoted or plain YAML) become the byte. */
export const unescapeCheck = (s: string): string => s.replace(/\\([rnt0\\])/g, (_, c: string) => ESCAPES[c]!);

/**
 * Matches the reply so far: a substring as UTF-8 bytes; a regular expression against the reply
 * read as latin1 (one character per byte, so binary replies can be matched too).
 */
export function judgeReply(c: Pick<SendExpectCheck, 'expect' | 'expectRegex'>): Judge {
  const re = c.expectRegex ? new RegExp(c.expect) : undefined;
  const needle = Buffer.from(unescapeCheck(c.expect), 'utf8');
  return (received) => {
    const matched = re ? re.test(received.toString('latin1')) : received.includes(needle);
    return matched ? { ok: true, detail: 'reply matched' } : undefined;
  };
}

/** Layer-7 check for any protocol: send a string, expect a reply containing (or matching) another. */
export const sendExpectProbe = (c: SendExpectCheck, prelude?: ProbePrelude): Probe => {
  const request = c.send === undefined ? undefined : Buffer.from(unescapeCheck(c.send), 'utf8');
  const judge = judgeReply(c);
  const awaiting = `a reply ${c.expectRegex ? 'matching' : 'containing'} ${JSON.stringify(c.expect)}`;
  return (target, signal) => converse(target, signal, { port: c.port, request, judge, awaiting }, prelude);
};
