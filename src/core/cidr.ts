import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';

// CIDR matching for access lists and trusted PROXY sources. Hand-written rather than node's
// BlockList: it must treat an IPv4 client and the same client seen as IPv4-mapped IPv6
// (`::ffff:10.0.0.1`, on a dual-stack socket or in a PROXY header) as one address, in rules
// written either way. Every address is kept as 128 bits (IPv4 as ::ffff:a.b.c.d), so one
// prefix comparison serves both families.

/** An address as four 32-bit words, IPv4 mapped into ::ffff:0:0/96. */
export type IpWords = readonly [number, number, number, number];

export interface Cidr {
  /** The rule as written. */
  readonly text: string;
  readonly words: IpWords;
  /** Prefix length over the 128-bit form (an IPv4 /8 is /104 here). */
  readonly bits: number;
}

const V4_MAPPED_HIGH = 0xffff;

function v4Word(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let w = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    w = (w << 8) | Number(p);
  }
  return w >>> 0;
}

/** Parses an IPv4 or IPv6 address (zone ids dropped) into its 128-bit form; undefined if it is none. */
export function parseIp(text: string): IpWords | undefined {
  const ip = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  const family = isIP(ip);
  if (family === 4) {
    const w = v4Word(ip);
    return w === undefined ? undefined : [0, 0, V4_MAPPED_HIGH, w];
  }
  if (family !== 6) return undefined;
  // isIP vouched for the syntax: expand `::` and a trailing dotted IPv4 into eight groups.
  const [headText, tailText] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (s: string | undefined): number[] => {
    if (!s) return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const w = v4Word(g);
        if (w === undefined) return [NaN];
        out.push(w >>> 16, w & 0xffff);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(headText);
  const tail = groups(tailText);
  const all =
    tailText === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  if (all.length !== 8 || all.some((g) => !Number.isInteger(g))) return undefined;
  const word = (i: number): number => ((all[2 * i]! << 16) | all[2 * i + 1]!) >>> 0;
  return [word(0), word(1), word(2), word(3)];
}

/** `10.0.0.0/8`, `2001:db8::/32`, `::ffff:10.0.0.0/104`, or a bare address (a single host). */
export function parseCidr(text: string): Cidr {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const words = parseIp(addr);
  if (!words) throw new InvalidArgumentError(`CIDR "${text}": "${addr}" is not an IP address`);
  const v4 = isIP(addr) === 4;
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const len = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(len) || Number(len) > max)
      throw new InvalidArgumentError(`CIDR "${text}": prefix length must be 0-${max}`);
    bits = Number(len);
  }
  if (v4) bits += 96;
  return { text: s, words: mask(words, bits), bits };
}

function mask(w: IpWords, bits: number): IpWords {
  const m = (i: number): number => {
    const keep = Math.min(32, Math.max(0, bits - 32 * i));
    return keep === 0 ? 0 : (w[i]! & (keep === 32 ? 0xffffffff : ~(0xffffffff >>> keep))) >>> 0;
  };
  return [m(0), m(1), m(2), m(3)];
}

export function cidrContains(c: Cidr, ip: IpWords): boolean {
  const masked = mask(ip, c.bits);
  return masked[0] === c.words[0] && masked[1] === c.words[1] && masked[2] === c.words[2] && masked[3] === c.words[3];
}

/** A compiled list of CIDRs; `has(ip)` is false for anything that is not an IP address. */
export class CidrList {
  readonly cidrs: readonly Cidr[];

  constructor(texts: readonly string[]) {
    this.cidrs = texts.map(parseCidr);
  }

  get size(): number {
    return this.cidrs.length;
  }

  has(ip: string): boolean {
    if (this.cidrs.length === 0) return false;
    const w = parseIp(ip);
    return w !== undefined && this.cidrs.some((c) => cidrContains(c, w));
  }
}
