import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

export function parsePort(text: string, what = 'port'): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${what}: "${text}" is not a port number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(`${what}: port ${port} is out of range (1-65535)`);
  return port;
}

export function isValidHost(host: string): boolean {
  return isIP(host) !== 0 || HOSTNAME.test(host);
}

/** Parses `host:port`, `[v6]:port`; the port may be 0 only when `allowZeroPort` (listeners). */
export function parseHostPort(text: string, what = 'address', allowZeroPort = false): HostPort {
  const s = text.trim();
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') throw new InvalidArgumentError(`${what}: "${text}" is not [IPv6]:PORT`);
    host = s.slice(1, end);
    portText = s.slice(end + 2);
    if (isIP(host) !== 6) throw new InvalidArgumentError(`${what}: "${host}" is not an IPv6 address`);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) throw new InvalidArgumentError(`${what}: "${text}" has no port (use HOST:PORT)`);
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) throw new InvalidArgumentError(`${what}: "${text}": write IPv6 addresses as [ADDR]:PORT`);
    if (!isValidHost(host)) throw new InvalidArgumentError(`${what}: "${host}" is not a valid host`);
  }
  if (allowZeroPort && portText === '0') return { host, port: 0 };
  return { host, port: parsePort(portText, what) };
}

export function formatHostPort(hp: HostPort): string {
  return isIP(hp.host) === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, so that IPv4 clients on a dual-stack socket look the same. */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
