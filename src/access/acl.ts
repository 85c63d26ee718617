import { CidrList } from '../core/cidr.js';
import type { CloseReason } from '../core/close-reason.js';

/** A listener's access lists, compiled. */
export interface Acl {
  readonly allow: CidrList;
  readonly deny: CidrList;
}

export const compileAcl = (allow: readonly string[], deny: readonly string[]): Acl => ({
  allow: new CidrList(allow),
  deny: new CidrList(deny),
});

/**
 * Whether `ip` may connect: deny wins over allow; an empty allow list allows everyone not denied.
 * Pure, so the pipeline runs it on the TCP peer at accept and on the advertised client after a
 * trusted PROXY header alike.
 */
export function checkAcl(acl: Acl, ip: string): CloseReason | undefined {
  if (acl.deny.has(ip)) return 'denied';
  if (acl.allow.size > 0 && !acl.allow.has(ip)) return 'denied';
  return undefined;
}
