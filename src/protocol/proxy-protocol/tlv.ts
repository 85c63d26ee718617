import { AUTHORITY_MAX_LENGTH, TLV_TYPES, UNIQUE_ID_MAX_LENGTH, type Tlv } from './types.js';

// TLVs (spec 2.2): type:u8, length:u16 BE, value. Every length is checked against what is left.

export interface TlvAt extends Tlv {
  /** Offset of the TLV's type byte within the parsed region. */
  readonly offset: number;
}

const SSL_PREFIX = 5; // client:u8, verify:u32

/** Splits `bytes` into TLVs; a TLV that overruns the region, or leftover bytes, make it invalid. */
export function parseTlvs(bytes: Buffer): { tlvs: TlvAt[] } | { error: string } {
  const tlvs: TlvAt[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 3 > bytes.length) return { error: `${bytes.length - at} stray byte(s) after the last TLV` };
    const type = bytes[at]!;
    const len = bytes.readUInt16BE(at + 1);
    if (at + 3 + len > bytes.length)
      return { error: `TLV 0x${hex2(type)} declares ${len} bytes, only ${bytes.length - at - 3} left` };
    tlvs.push({ type, value: bytes.subarray(at + 3, at + 3 + len), offset: at });
    at += 3 + len;
  }
  return { tlvs };
}

/** Checks the registered types whose value has a fixed shape or a bound; returns what is wrong. */
export function checkTlv(t: Tlv): string | undefined {
  const len = t.value.length;
  switch (t.type) {
    case TLV_TYPES.CRC32C:
      return len === 4 ? undefined : `CRC32C TLV is ${len} bytes, not 4`;
    case TLV_TYPES.UNIQUE_ID:
      return len <= UNIQUE_ID_MAX_LENGTH ? undefined : `UNIQUE_ID TLV is ${len} bytes (at most 128)`;
    case TLV_TYPES.AUTHORITY:
      return len <= AUTHORITY_MAX_LENGTH ? undefined : `AUTHORITY TLV is ${len} bytes (at most 255)`;
    case TLV_TYPES.SSL: {
      if (len < SSL_PREFIX) return `SSL TLV is ${len} bytes, shorter than its 5-byte prefix`;
      const sub = parseTlvs(t.value.subarray(SSL_PREFIX));
      return 'error' in sub ? `SSL TLV: ${sub.error}` : undefined;
    }
    default:
      return undefined;
  }
}

export function encodeTlv(type: number, value: Uint8Array): Buffer {
  const out = Buffer.alloc(3 + value.length);
  out[0] = type;
  out.writeUInt16BE(value.length, 1);
  out.set(value, 3);
  return out;
}

export const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
