import { isIP } from 'node:net';
import { normalizeIp } from '../../core/address.js';
import type { IpEndpoint, ProxyAddresses } from './types.js';

/**
 * The addresses to advertise for a connection from `source` to `destination`: TCP4 when both
 * ends are IPv4 (IPv4-mapped IPv6 counts as IPv4, as nginx's "mixed-family promotion" does),
 * TCP6 otherwise (an IPv4 end is then written v4-mapped), UNSPEC when an end is unknown.
 */
export function connectionAddresses(source: IpEndpoint, destination: IpEndpoint): ProxyAddresses {
  const src = { address: withoutZone(source.address), port: source.port };
  const dst = { address: withoutZone(destination.address), port: destination.port };
  const fs = isIP(src.address);
  const fd = isIP(dst.address);
  if (fs === 0 || fd === 0) return { family: 'UNSPEC' };
  return { family: fs === 4 && fd === 4 ? 'INET' : 'INET6', source: src, destination: dst };
}

/** Zone ids (`fe80::1%eth0`) mean nothing to the receiver; v4-mapped becomes plain IPv4. */
const withoutZone = (ip: string): string => normalizeIp(ip.split('%')[0]);
