import { randomUUID } from 'node:crypto';
import type { ProxyProtocolSendConfig } from '../config/schema.js';
import { connectionAddresses } from '../protocol/proxy-protocol/connection-addresses.js';
import { encodeV2 } from '../protocol/proxy-protocol/encode.js';
import { TLV_TYPES, type Tlv } from '../protocol/proxy-protocol/types.js';

/**
 * The PROXY v2 header of a UDP session (spec 2.2: transport DGRAM), built once per session and
 * sent before every datagram, in the same datagram. The destination is the listener's bound
 * address: Node reads no per-datagram destination (IP_PKTINFO), so a wildcard bind says 0.0.0.0.
 */
export function udpProxyHeader(
  cfg: ProxyProtocolSendConfig | undefined,
  local: { address: string; port: number },
  newId: () => string = randomUUID,
): ((ip: string, port: number) => Buffer) | undefined {
  if (cfg?.version !== 'v2') return undefined;
  return (ip, port) => {
    const tlvs: Tlv[] = cfg.uniqueId ? [{ type: TLV_TYPES.UNIQUE_ID, value: Buffer.from(newId()) }] : [];
    const addresses = connectionAddresses({ address: ip, port }, local);
    return encodeV2({ command: 'PROXY', transport: 'DGRAM', addresses, tlvs }, { crc32c: cfg.crc32c });
  };
}
