import { readFileSync } from 'node:fs';
import { LbError } from '../core/errors.js';

export interface Identity {
  readonly user: string | number;
  readonly group?: string | number | undefined;
}

/** The primary group of `user` in /etc/passwd text (pure). */
export function primaryGroupOf(passwd: string, user: string | number): number | undefined {
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || gid === undefined) continue;
    if ((typeof user === 'number' ? Number(uid) === user : name === user) && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/**
 * After the listening sockets are open: become `user`/`group` for good (supplementary groups
 * first, then the group, then the user: the other order would no longer be allowed). Only root can.
 */
export function dropPrivileges(id: Identity, passwdFile = '/etc/passwd'): { uid: number; gid: number } {
  if (typeof process.setuid !== 'function' || typeof process.getuid !== 'function')
    throw new LbError('LB_ERR_INVALID_ARGUMENT', '`user`: changing the user is not supported on this platform');
  try {
    const gid =
      id.group ??
      primaryGroupOf(readFileSync(passwdFile, 'utf8'), id.user) ??
      (() => {
        throw new Error(`user "${id.user}" is not in ${passwdFile}`);
      })();
    // Supplementary groups of the user (initgroups is missing from @types/node 20, present at runtime).
    const initgroups = (process as { initgroups?: (user: string, group: number | string) => void }).initgroups;
    if (process.getuid() === 0 && typeof id.user === 'string' && initgroups) initgroups(id.user, gid);
    else if (process.getuid() === 0) process.setgroups!([gid]);
    process.setgid!(gid);
    process.setuid(id.user);
    return { uid: process.getuid(), gid: process.getgid!() };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new LbError(
      'LB_ERR_INVALID_ARGUMENT',
      `cannot run as user ${id.user}${id.group === undefined ? '' : `, group ${id.group}`}: ${why} (only a process started as root can)`,
    );
  }
}
