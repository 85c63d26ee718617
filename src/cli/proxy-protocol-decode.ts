import { formatHostPort } from '../core/address.js';
import { InvalidArgumentError } from '../core/errors.js';
import { decodeProxyHeader } from '../protocol/proxy-protocol/decode.js';
import { TLV_TYPES, type ProxyHeader, type Tlv } from '../protocol/proxy-protocol/types.js';

// `loadbalancer proxy-protocol decode HEX`: a header as a person reads it, for debugging.

const TLV_NAMES = new Map<number, string>(Object.entries(TLV_TYPES).map(([name, type]) => [type, name]));

/** Hex as pasted from tcpdump, Wireshark or xxd -p: spaces, colons and a 0x prefix are allowed. */
export function parseHex(text: string): Buffer {
  const hex = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex))
    throw new InvalidArgumentError(`"${text.slice(0, 40)}" is not hex (an even number of 0-9 a-f digits)`);
  return Buffer.from(hex, 'hex');
}

/** The decoded header as `name  value` lines; throws with one line of explanation otherwise. */
export function describeProxyHeader(bytes: Buffer): string {
  const r = decodeProxyHeader(bytes);
  if (r.status === 'need-more')
    throw new InvalidArgumentError(`incomplete PROXY header: ${bytes.length} bytes are a valid start, more are needed`);
  if (r.status === 'invalid') throw new InvalidArgumentError(`invalid PROXY header: ${r.reason}`);
  const h = r.header;
  const rest = bytes.length - r.consumed;
  const rows: [string, string][] = [
    ['version', String(h.version)],
    ['command', h.command],
    ['family', `${h.addresses.family} (${h.transport})`],
    ...addressRows(h),
    ...h.tlvs.map((t): [string, string] => ['tlv', describeTlv(t)]),
    ['consumed', `${r.consumed} bytes${rest > 0 ? ` (${rest} more bytes follow the header)` : ''}`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n');
}

function addressRows(h: ProxyHeader): [string, string][] {
  const a = h.addresses;
  switch (a.family) {
    case 'UNSPEC':
      return [['addresses', h.command === 'LOCAL' ? 'none (LOCAL: the real endpoints)' : 'none (the real endpoints)']];
    case 'UNIX':
      return [
        ['source', a.source],
        ['destination', a.destination],
      ];
    default:
      return [
        ['source', formatHostPort({ host: a.source.address, port: a.source.port })],
        ['destination', formatHostPort({ host: a.destination.address, port: a.destination.port })],
      ];
  }
}

function describeTlv(t: Tlv): string {
  const name = `${TLV_NAMES.get(t.type) ?? 'type'} (0x${t.type.toString(16).padStart(2, '0')})`;
  const printable = t.value.length > 0 && t.value.every((b) => b >= 0x20 && b < 0x7f);
  const value = printable ? JSON.stringify(t.value.toString('latin1')) : `0x${t.value.toString('hex')}`;
  return `${name} ${value}${t.type === TLV_TYPES.CRC32C ? ' (checksum verified)' : ''}`;
}
