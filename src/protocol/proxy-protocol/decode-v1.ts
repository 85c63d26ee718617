import { isIP } from 'node:net';
import { invalid, NEED_MORE, V1_MAX_LENGTH, type DecodeResult, type ProxyHeader } from './types.js';

// v1 (spec 2.1): `PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n`, exact tokens, one space
// apart, decimal without leading zeros. Rejected as early as the bytes allow, so a sender
// speaking something else is cut after a few bytes rather than at the timeout.

const CR = 0x0d;
const LF = 0x0a;
const PORT = /^(0|[1-9]\d{0,4})$/;
/** Longest line (CRLF included) and allowed characters per protocol token. */
const SHAPES: Record<string, { max: number; chars: RegExp }> = {
  TCP4: { max: 56, chars: /^[0-9. ]*$/ },
  TCP6: { max: 104, chars: /^[0-9A-Fa-f:. ]*$/ },
  UNKNOWN: { max: V1_MAX_LENGTH, chars: /^/ },
};

const isPort = (s: string): boolean => PORT.test(s) && Number(s) <= 65535;
const isAddress = (s: string, family: 4 | 6): boolean => isIP(s) === family && !s.includes('%');

/** Decodes a v1 line at the start of `buf` (which must start with a prefix of "PROXY "). */
export function decodeV1(buf: Buffer): DecodeResult {
  const n = Math.min(buf.length, V1_MAX_LENGTH);
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b === CR) {
      if (i + 1 >= V1_MAX_LENGTH) break;
      if (i + 1 === buf.length) return NEED_MORE;
      if (buf[i + 1] !== LF) return invalid('v1: CR not followed by LF');
      return parseLine(buf.toString('latin1', 0, i), i + 2);
    }
    if (b === LF) return invalid('v1: LF without CR');
    if (b < 0x20 || b > 0x7e) return invalid(`v1: unexpected byte 0x${b.toString(16).padStart(2, '0')}`);
  }
  if (buf.length >= V1_MAX_LENGTH) return invalid(`v1: no CRLF within ${V1_MAX_LENGTH} bytes`);
  return checkPartial(buf.toString('latin1'));
}

/** An incomplete line: still a possible beginning of a valid one? */
function checkPartial(text: string): DecodeResult {
  if (!'PROXY '.startsWith(text.slice(0, 6))) return invalid('v1: line does not start with "PROXY "');
  const rest = text.slice(6);
  const proto = rest.split(' ')[0]!;
  const done = rest.length > proto.length; // the protocol token is followed by a space
  const known = Object.keys(SHAPES).filter((p) => (done ? p === proto : p.startsWith(proto)));
  if (known.length === 0) return invalid(`v1: unknown protocol "${proto}"`);
  const shape = done ? SHAPES[proto] : undefined;
  if (!shape) return NEED_MORE;
  if (text.length + 2 > shape.max) return invalid(`v1: ${proto} line longer than ${shape.max} bytes`);
  const fields = rest.slice(proto.length + 1);
  if (proto !== 'UNKNOWN' && (!shape.chars.test(fields) || fields.includes('  ') || fields.split(' ').length > 4))
    return invalid(`v1: malformed ${proto} fields "${fields}"`);
  return NEED_MORE;
}

function parseLine(line: string, consumed: number): DecodeResult {
  const parts = line.split(' ');
  if (parts[0] !== 'PROXY') return invalid('v1: line does not start with "PROXY "');
  const proto = parts[1] ?? '';
  if (proto === 'UNKNOWN') {
    // spec: the rest of an UNKNOWN line is ignored; the real endpoints are used
    const header: ProxyHeader = {
      version: 1,
      command: 'PROXY',
      transport: 'UNSPEC',
      addresses: { family: 'UNSPEC' },
      tlvs: [],
    };
    return { status: 'ok', header, consumed };
  }
  if (proto !== 'TCP4' && proto !== 'TCP6') return invalid(`v1: unknown protocol "${proto}"`);
  if (parts.length !== 6) return invalid(`v1: ${proto} needs 4 fields separated by single spaces`);
  const [, , src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : 6;
  for (const a of [src, dst]) if (!isAddress(a, family)) return invalid(`v1: "${a}" is not an IPv${family} address`);
  for (const p of [sport, dport]) if (!isPort(p)) return invalid(`v1: "${p}" is not a port (0-65535, no leading zero)`);
  const header: ProxyHeader = {
    version: 1,
    command: 'PROXY',
    transport: 'STREAM',
    addresses: {
      family: family === 4 ? 'INET' : 'INET6',
      source: { address: src, port: Number(sport) },
      destination: { address: dst, port: Number(dport) },
    },
    tlvs: [],
  };
  return { status: 'ok', header, consumed };
}
