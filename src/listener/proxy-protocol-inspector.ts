import { CidrList } from '../core/cidr.js';
import { normalizeIp } from '../core/address.js';
import type { Refusal } from '../core/close-reason.js';
import { decodeProxyHeader } from '../protocol/proxy-protocol/decode.js';
import { V2_DEFAULT_MAX_LENGTH, type ProxyHeader } from '../protocol/proxy-protocol/types.js';
import type { ConnInfo } from './conn-info.js';
import type { Inspector } from './inspector.js';
import type { AdmitStage } from './listener.js';

export interface ProxyAcceptSettings {
  /** Sources allowed to send a header (CIDRs). */
  readonly trusted: readonly string[];
  /** Other sources: closed, or served as themselves without a header. */
  readonly untrusted: 'reject' | 'serve';
  readonly timeoutMs: number;
}

export interface ProxyAcceptance {
  /** Is this TCP peer one whose header is believed? (access control judges its client later) */
  readonly trustedPeer: (ip: string) => boolean;
  /** Closes untrusted sources before any byte is read; undefined when they are served. */
  readonly admit: ((info: ConnInfo, stage: AdmitStage) => Refusal | undefined) | undefined;
  readonly inspector: Inspector;
}

/**
 * Accepting the PROXY protocol on a listener (spec section 2: the listener is configured to expect
 * it and never guesses; only trusted sources may send it). `admit` closes untrusted sources
 * before any byte is read (unless they are to be served as themselves); the inspector then
 * requires a complete, valid header from every trusted source before a single byte goes on.
 */
export function proxyProtocolAcceptance(s: ProxyAcceptSettings): ProxyAcceptance {
  const trusted = new CidrList(s.trusted);
  const trustedPeer = (ip: string): boolean => trusted.has(ip);
  const admit =
    s.untrusted === 'reject'
      ? (info: ConnInfo, stage: AdmitStage): Refusal | undefined =>
          stage !== 'accept' || trustedPeer(info.peerIp)
            ? undefined
            : { reason: 'proxy_protocol_untrusted', detail: `${info.peerIp} may not send a PROXY header` }
      : undefined;
  const inspector: Inspector = {
    name: 'proxy-protocol',
    maxBytes: V2_DEFAULT_MAX_LENGTH,
    timeoutMs: s.timeoutMs,
    timeoutReason: 'proxy_protocol_timeout',
    applies: (info) => trustedPeer(info.peerIp),
    inspect: (buf, info) => {
      const r = decodeProxyHeader(buf);
      if (r.status === 'need-more') return 'need-more';
      if (r.status === 'invalid') return { reject: 'proxy_protocol_invalid', detail: r.reason };
      return { consumed: r.consumed, info: withHeader(info, r.header) };
    },
  };
  return { trustedPeer, admit, inspector };
}

/**
 * The connection as the header tells it: the advertised client and destination replace the TCP
 * ones (peerIp keeps the proxy's address). LOCAL, UNKNOWN/UNSPEC and families other than TCP
 * keep the real endpoints, as the spec says.
 */
export function withHeader(info: ConnInfo, h: ProxyHeader): ConnInfo {
  const tlvs = new Map(h.tlvs.map((t) => [t.type, Buffer.from(t.value)])); // copies: never pin the read buffer
  const proxy = { version: h.version, local: h.command === 'LOCAL', tlvs };
  const a = h.addresses;
  if (h.command === 'LOCAL' || h.transport !== 'STREAM' || (a.family !== 'INET' && a.family !== 'INET6'))
    return { ...info, proxy };
  return {
    ...info,
    clientIp: normalizeIp(a.source.address),
    clientPort: a.source.port,
    localIp: normalizeIp(a.destination.address),
    localPort: a.destination.port,
    proxy,
  };
}
