import { crc32c } from './crc32c.js';
import { formatIpv4, formatIpv6 } from './ip-bytes.js';
import { checkTlv, hex2, parseTlvs } from './tlv.js';
import {
  invalid,
  NEED_MORE,
  TLV_TYPES,
  V2_DEFAULT_MAX_LENGTH,
  V2_FIXED_LENGTH,
  V2_SIGNATURE,
  type DecodeResult,
  type ProxyAddresses,
  type ProxyCommand,
  type ProxyHeader,
  type ProxyTransport,
} from './types.js';

// v2 (spec 2.2): 12-byte signature, version/command, family/transport, u16 length, then the
// address block and TLVs. Only the fixed 16 bytes are looked at until the whole declared
// length has arrived, so a header trickling in byte by byte costs nothing per byte.

const COMMANDS: readonly ProxyCommand[] = ['LOCAL', 'PROXY'];
const TRANSPORTS: readonly ProxyTransport[] = ['UNSPEC', 'STREAM', 'DGRAM'];
/** The only family/transport bytes the spec allows. */
const FAMILY_BYTES = new Set([0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32]);
const ADDRESS_LENGTH = { INET: 12, INET6: 36, UNIX: 216 } as const;
const UNIX_PATH = 108;

/** Decodes a v2 header at the start of `buf`; headers longer than `maxLength` bytes are invalid. */
export function decodeV2(buf: Buffer, maxLength = V2_DEFAULT_MAX_LENGTH): DecodeResult {
  const sig = Math.min(buf.length, V2_SIGNATURE.length);
  if (buf.compare(V2_SIGNATURE, 0, sig, 0, sig) !== 0) return invalid('v2: bad signature');
  if (buf.length <= 12) return NEED_MORE;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return invalid(`v2: unsupported version ${verCmd >> 4}`);
  const command = COMMANDS[verCmd & 0x0f];
  if (!command) return invalid(`v2: unknown command 0x${(verCmd & 0x0f).toString(16)}`);
  if (buf.length <= 13) return NEED_MORE;
  const fam = buf[13]!;
  if (!FAMILY_BYTES.has(fam)) return invalid(`v2: unknown family/transport byte 0x${hex2(fam)}`);
  if (buf.length < V2_FIXED_LENGTH) return NEED_MORE;
  const total = V2_FIXED_LENGTH + buf.readUInt16BE(14);
  if (total > maxLength) return invalid(`v2: header of ${total} bytes exceeds the ${maxLength}-byte bound`);
  if (buf.length < total) return NEED_MORE;
  const transport = TRANSPORTS[fam & 0x0f]!;
  const family = (['UNSPEC', 'INET', 'INET6', 'UNIX'] as const)[fam >> 4]!;
  const ok = (addresses: ProxyAddresses, tlvs: ProxyHeader['tlvs'] = []): DecodeResult => ({
    status: 'ok',
    header: { version: 2, command, transport, addresses, tlvs },
    consumed: total,
  });
  // LOCAL: the receiver uses the real endpoints and discards the block; UNSPEC: nothing to read.
  if (command === 'LOCAL' || family === 'UNSPEC') return ok({ family: 'UNSPEC' });
  const block = buf.subarray(V2_FIXED_LENGTH, total);
  const addrLen = ADDRESS_LENGTH[family];
  if (block.length < addrLen)
    return invalid(`v2: ${family} address block needs ${addrLen} bytes, header has ${block.length}`);
  const parsed = parseTlvs(block.subarray(addrLen));
  if ('error' in parsed) return invalid(`v2: ${parsed.error}`);
  let crcSeen = false;
  for (const t of parsed.tlvs) {
    const problem = checkTlv(t);
    if (problem) return invalid(`v2: ${problem}`);
    if (t.type !== TLV_TYPES.CRC32C) continue;
    if (crcSeen) return invalid('v2: more than one CRC32C TLV');
    crcSeen = true;
    const at = V2_FIXED_LENGTH + addrLen + t.offset + 3;
    const copy = Buffer.from(buf.subarray(0, total));
    copy.fill(0, at, at + 4);
    const want = t.value.readUInt32BE(0);
    const got = crc32c(copy);
    if (got !== want) return invalid(`v2: CRC32C mismatch (header says ${hex8(want)}, bytes give ${hex8(got)})`);
  }
  const tlvs = parsed.tlvs.map(({ type, value }) => ({ type, value }));
  return ok(addressesOf(family, block), tlvs);
}

function addressesOf(family: 'INET' | 'INET6' | 'UNIX', block: Buffer): ProxyAddresses {
  if (family === 'UNIX') return { family, source: unixPath(block, 0), destination: unixPath(block, UNIX_PATH) };
  const size = family === 'INET' ? 4 : 16;
  const format = family === 'INET' ? formatIpv4 : formatIpv6;
  return {
    family,
    source: { address: format(block.subarray(0, size)), port: block.readUInt16BE(2 * size) },
    destination: { address: format(block.subarray(size, 2 * size)), port: block.readUInt16BE(2 * size + 2) },
  };
}

function unixPath(block: Buffer, at: number): string {
  const field = block.subarray(at, at + UNIX_PATH);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul < 0 ? UNIX_PATH : nul);
}

const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
