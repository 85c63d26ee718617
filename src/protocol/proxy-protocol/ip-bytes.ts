import { parseIp } from '../../core/cidr.js';
import { InvalidArgumentError } from '../../core/errors.js';

// Addresses as the v2 address block carries them: 4 or 16 bytes in network order.

export const formatIpv4 = (b: Uint8Array): string => `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;

/** RFC 5952 text: lower-case hex, the longest run of two or more zero groups as `::`, v4-mapped dotted. */
export function formatIpv6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${formatIpv4(b.subarray(12, 16))}`;
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
}

/** Address text → its bytes in `family`: an IPv4 address written for an IPv6 slot becomes v4-mapped. */
export function ipBytes(text: string, family: 'INET' | 'INET6'): Buffer {
  const words = parseIp(text);
  if (!words) throw new InvalidArgumentError(`"${text}" is not an IP address`);
  const mapped = words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
  if (family === 'INET') {
    if (!mapped) throw new InvalidArgumentError(`"${text}" is not an IPv4 address`);
    const out = Buffer.alloc(4);
    out.writeUInt32BE(words[3], 0);
    return out;
  }
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt32BE(w, 4 * i));
  return out;
}
