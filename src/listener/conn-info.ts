import type { Socket } from 'node:net';
import { normalizeIp } from '../core/address.js';

/** What is known about a client connection before it is routed; inspectors enrich it. */
export interface ConnInfo {
  readonly listener: string;
  /** The client as balancing, access control and logs see it (a trusted PROXY header overrides). */
  readonly clientIp: string;
  readonly clientPort: number;
  readonly localIp: string;
  readonly localPort: number;
  /** The TCP peer: differs from clientIp when a PROXY header advertised another client. */
  readonly peerIp: string;
  readonly sni?: string | undefined;
  readonly alpn?: readonly string[] | undefined;
  /** Set by the PROXY-protocol inspector: version and TLVs as received. */
  readonly proxy?:
    { readonly version: 1 | 2; readonly local: boolean; readonly tlvs?: ReadonlyMap<number, Buffer> } | undefined;
}

/**
 * From an accepted socket, or the addresses of a connection the server dropped (its 'drop' event).
 * `local`: the listener's own address when it is bound to one (no getsockname call then).
 */
export function connInfoOf(
  listener: string,
  sock: Partial<Pick<Socket, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort'>>,
  local?: { readonly ip: string; readonly port: number },
): ConnInfo {
  const peer = normalizeIp(sock.remoteAddress);
  return {
    listener,
    clientIp: peer,
    clientPort: sock.remotePort ?? 0,
    localIp: local ? local.ip : normalizeIp(sock.localAddress),
    localPort: local ? local.port : (sock.localPort ?? 0),
    peerIp: peer,
  };
}
