import type { Clock } from '../core/clock.js';
import type { Refusal } from '../core/close-reason.js';
import type { ConnInfo } from '../listener/conn-info.js';
import type { AdmitStage } from '../listener/listener.js';
import { checkAcl, type Acl } from './acl.js';
import type { ClientLimits, ClientTable } from './client-table.js';

export interface AdmissionSettings {
  readonly acl: Acl;
  readonly limits: ClientLimits;
  /**
   * The TCP peers whose connections carry the real client in a PROXY header (the listener's
   * trusted sources). Their client is judged after inspection; undefined when the listener
   * accepts no PROXY header.
   */
  readonly trustedPeer?: ((ip: string) => boolean) | undefined;
}

export interface Admission {
  admit(info: ConnInfo, stage: AdmitStage): Refusal | undefined;
  /** Once for every admit that let the connection in, with the same arguments, when it closes. */
  release(info: ConnInfo, stage: AdmitStage): void;
}

/**
 * Access lists and per-client limits of one listener, composed with the PROXY inspector:
 * - accept (before any byte is read): a peer that is not a trusted PROXY source is the client
 *   itself, so the lists and limits apply to it here; a trusted peer is only checked against
 *   `deny` (deny wins) and its connection is judged later.
 * - inspected: for a trusted peer, the lists and limits apply to the client its header
 *   advertised (`info.clientIp`), which is what the limits then count.
 * Each connection is thus counted once, at the stage that knows its real client.
 */
export function createAdmission(s: AdmissionSettings, table: ClientTable, clock: Clock): Admission {
  const deferred = (info: ConnInfo): boolean => s.trustedPeer?.(info.peerIp) === true;
  const judgedAt = (info: ConnInfo): AdmitStage => (deferred(info) ? 'inspected' : 'accept');
  return {
    admit(info, stage) {
      if (stage !== judgedAt(info)) {
        // A trusted PROXY peer at accept: its own address may still be denied outright.
        return stage === 'accept' && s.acl.deny.has(info.peerIp)
          ? { reason: 'denied', detail: `${info.peerIp} is denied` }
          : undefined;
      }
      const ip = info.clientIp;
      const denied = checkAcl(s.acl, ip);
      if (denied) return { reason: denied, detail: `${ip} is not allowed` };
      return table.admit(ip, s.limits, clock.now());
    },
    release(info, stage) {
      if (stage === judgedAt(info)) table.release(info.clientIp, s.limits, clock.now());
    },
  };
}
