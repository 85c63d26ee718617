import { InvalidArgumentError } from '../../core/errors.js';
import { crc32c } from './crc32c.js';
import { formatIpv4, formatIpv6, ipBytes } from './ip-bytes.js';
import { encodeTlv } from './tlv.js';
import { TLV_TYPES, V2_FIXED_LENGTH, V2_SIGNATURE, type ProxyAddresses, type ProxyCommand, type Tlv } from './types.js';

// Senders build the whole header as one Buffer, written before (and with) the first client bytes.

const UNIX_PATH = 108;
const FAMILY_NIBBLE = { UNSPEC: 0, INET: 1, INET6: 2, UNIX: 3 } as const;
const TRANSPORT_NIBBLE = { UNSPEC: 0, STREAM: 1, DGRAM: 2 } as const;

/** `PROXY TCP4|TCP6 …\r\n`; addresses the line cannot carry become `PROXY UNKNOWN\r\n`. */
export function encodeV1(addresses: ProxyAddresses): Buffer {
  if (addresses.family !== 'INET' && addresses.family !== 'INET6') return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const { family, source: s, destination: d } = addresses;
  // Re-formatting from bytes validates the text and gives the canonical form the spec asks for.
  const text = (ip: string): string =>
    family === 'INET' ? formatIpv4(ipBytes(ip, family)) : formatIpv6(ipBytes(ip, family));
  for (const p of [s.port, d.port]) checkPort(p);
  const proto = family === 'INET' ? 'TCP4' : 'TCP6';
  return Buffer.from(`PROXY ${proto} ${text(s.address)} ${text(d.address)} ${s.port} ${d.port}\r\n`, 'latin1');
}

export interface V2Header {
  readonly command: ProxyCommand;
  readonly addresses: ProxyAddresses;
  /** Defaults to STREAM for an address family, UNSPEC otherwise. */
  readonly transport?: 'STREAM' | 'DGRAM';
  readonly tlvs?: readonly Tlv[];
}

/**
 * The binary header. LOCAL and UNSPEC carry no address block and no TLVs (receivers discard it);
 * with `crc32c` a CRC32C TLV is appended last and filled over the whole header (spec 2.2.3).
 */
export function encodeV2(h: V2Header, opts: { crc32c?: boolean } = {}): Buffer {
  const bare = h.command === 'LOCAL' || h.addresses.family === 'UNSPEC';
  const family = bare ? 'UNSPEC' : h.addresses.family;
  const transport = bare ? 'UNSPEC' : (h.transport ?? 'STREAM');
  const parts: Buffer[] = [];
  if (!bare) {
    parts.push(addressBlock(h.addresses));
    for (const t of h.tlvs ?? []) parts.push(encodeTlv(t.type, t.value));
    if (opts.crc32c) parts.push(encodeTlv(TLV_TYPES.CRC32C, Buffer.alloc(4)));
  }
  const body = Buffer.concat(parts);
  if (body.length > 0xffff) throw new InvalidArgumentError(`PROXY v2 header too long (${body.length} bytes)`);
  const out = Buffer.alloc(V2_FIXED_LENGTH + body.length);
  V2_SIGNATURE.copy(out, 0);
  out[12] = 0x20 | (h.command === 'PROXY' ? 1 : 0);
  out[13] = (FAMILY_NIBBLE[family] << 4) | TRANSPORT_NIBBLE[transport];
  out.writeUInt16BE(body.length, 14);
  body.copy(out, V2_FIXED_LENGTH);
  if (!bare && opts.crc32c) out.writeUInt32BE(crc32c(out), out.length - 4);
  return out;
}

/** What a proxy's own connection (a health check) sends to a v2 receiver: `LOCAL`, no addresses. */
export const encodeV2Local = (): Buffer => encodeV2({ command: 'LOCAL', addresses: { family: 'UNSPEC' } });

function addressBlock(a: ProxyAddresses): Buffer {
  switch (a.family) {
    case 'UNSPEC':
      return Buffer.alloc(0);
    case 'UNIX':
      return Buffer.concat([unixPath(a.source), unixPath(a.destination)]);
    default: {
      const ports = Buffer.alloc(4);
      ports.writeUInt16BE(checkPort(a.source.port), 0);
      ports.writeUInt16BE(checkPort(a.destination.port), 2);
      return Buffer.concat([ipBytes(a.source.address, a.family), ipBytes(a.destination.address, a.family), ports]);
    }
  }
}

function unixPath(path: string): Buffer {
  const bytes = Buffer.from(path, 'utf8');
  if (bytes.length >= UNIX_PATH || bytes.includes(0))
    throw new InvalidArgumentError(`UNIX path "${path}" does not fit the 108-byte PROXY v2 field`);
  const out = Buffer.alloc(UNIX_PATH);
  bytes.copy(out);
  return out;
}

function checkPort(p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new InvalidArgumentError(`port ${p} is out of range`);
  return p;
}
