import { randomUUID } from 'node:crypto';
import type { PoolConfig, ProxyProtocolSendConfig } from '../config/schema.js';
import type { ConnInfo } from '../listener/conn-info.js';
import { connectionAddresses } from '../protocol/proxy-protocol/connection-addresses.js';
import { encodeV1, encodeV2, encodeV2Local } from '../protocol/proxy-protocol/encode.js';
import { TLV_TYPES, type IpEndpoint, type Tlv } from '../protocol/proxy-protocol/types.js';

/**
 * The PROXY header a pool sends before the client's bytes. It describes the client as ConnInfo
 * has it, so when the listener accepted a header from a trusted proxy, the original client is
 * relayed (spec section 3), not that proxy. v2 adds AUTHORITY (the SNI, or the one received) and,
 * if asked, UNIQUE_ID (the one received, so layers can be correlated, or a new UUID).
 */
export function proxyPrelude(
  cfg: ProxyProtocolSendConfig | undefined,
  newId: () => string = randomUUID,
): ((info: ConnInfo) => Buffer) | undefined {
  if (!cfg) return undefined;
  return (info) => {
    const addresses = connectionAddresses(
      { address: info.clientIp, port: info.clientPort },
      { address: info.localIp, port: info.localPort },
    );
    if (cfg.version === 'v1') return encodeV1(addresses);
    const received = info.proxy?.tlvs;
    const tlvs: Tlv[] = [];
    const authority = info.sni === undefined ? received?.get(TLV_TYPES.AUTHORITY) : Buffer.from(info.sni, 'utf8');
    if (authority) tlvs.push({ type: TLV_TYPES.AUTHORITY, value: authority });
    if (cfg.uniqueId)
      tlvs.push({ type: TLV_TYPES.UNIQUE_ID, value: received?.get(TLV_TYPES.UNIQUE_ID) ?? Buffer.from(newId()) });
    return encodeV2({ command: 'PROXY', addresses, tlvs }, { crc32c: cfg.crc32c });
  };
}

/** What a health check sends first: v2 LOCAL, or for v1 a real line from the check's own socket. */
export type CheckPrelude = (local: IpEndpoint, remote: IpEndpoint) => Buffer;

export const checkPrelude = (version: 'v1' | 'v2'): CheckPrelude =>
  version === 'v2' ? () => encodeV2Local() : (local, remote) => encodeV1(connectionAddresses(local, remote));

/**
 * Health checks send a header when `healthCheck.sendProxy` says so; by default when the pool sends
 * one and the check goes to the traffic port (HAProxy's rule), since a receiver expecting the
 * header counts a bare connection as an error.
 */
export function poolCheckPrelude(p: PoolConfig): CheckPrelude | undefined {
  const send = p.healthCheck.sendProxy ?? (p.proxyProtocol !== undefined && p.healthCheck.port === undefined);
  return send ? checkPrelude(p.proxyProtocol?.version ?? 'v2') : undefined;
}
