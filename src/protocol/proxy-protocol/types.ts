// The PROXY protocol header as values (HAProxy doc/proxy-protocol.txt, versions 1 and 2).

export type ProxyCommand = 'LOCAL' | 'PROXY';
export type ProxyTransport = 'UNSPEC' | 'STREAM' | 'DGRAM';

export interface IpEndpoint {
  /** Dotted IPv4, or IPv6 text (RFC 5952 form when decoded from v2). */
  readonly address: string;
  readonly port: number;
}

/** What the header says about the original connection; UNSPEC means "use the real endpoints". */
export type ProxyAddresses =
  | { readonly family: 'UNSPEC' }
  | { readonly family: 'INET' | 'INET6'; readonly source: IpEndpoint; readonly destination: IpEndpoint }
  | { readonly family: 'UNIX'; readonly source: string; readonly destination: string };

export type ProxyFamily = ProxyAddresses['family'];

export interface Tlv {
  readonly type: number;
  readonly value: Buffer;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** v1 is always PROXY; LOCAL (v2) means a connection of the proxy itself, e.g. a health check. */
  readonly command: ProxyCommand;
  readonly transport: ProxyTransport;
  readonly addresses: ProxyAddresses;
  /** v2 TLVs in wire order (empty for v1, LOCAL and UNSPEC, whose address block is skipped). */
  readonly tlvs: readonly Tlv[];
}

/**
 * An incremental decode: `need-more` while the bytes so far are a valid beginning of a header,
 * `invalid` as soon as they cannot be, `ok` with how many bytes the header took.
 */
export type DecodeResult =
  | { readonly status: 'need-more' }
  | { readonly status: 'invalid'; readonly reason: string }
  | { readonly status: 'ok'; readonly header: ProxyHeader; readonly consumed: number };

export const NEED_MORE: DecodeResult = { status: 'need-more' };
export const invalid = (reason: string): DecodeResult => ({ status: 'invalid', reason });

export const TLV_TYPES = {
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  NETNS: 0x30,
} as const;

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
export const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** v1 lines never exceed this, CRLF included (spec 2.1: worst case with UNKNOWN). */
export const V1_MAX_LENGTH = 107;
export const V2_FIXED_LENGTH = 16;
/**
 * Default bound on a whole v2 header: HAProxy rejects headers larger than its 16 kB buffer,
 * so no real sender goes beyond it, and we never buffer more than that per connection.
 */
export const V2_DEFAULT_MAX_LENGTH = 16_384;
/** spec 2.2.5 */
export const UNIQUE_ID_MAX_LENGTH = 128;
/** HAProxy's bound on AUTHORITY (a host name: 255 bytes at most). */
export const AUTHORITY_MAX_LENGTH = 255;
