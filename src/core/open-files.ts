import { readFileSync } from 'node:fs';

/** RLIMIT_NOFILE of a process: descriptors it may have open at once. */
export interface OpenFileLimits {
  readonly soft: number;
  readonly hard: number;
}

/** What `unlimited` (or a system without /proc) counts as: the kernel's default nr_open. */
export const UNLIMITED_FILES = 1 << 20;

/** The `Max open files` line of /proc/PID/limits. */
export function parseOpenFileLimits(limits: string): OpenFileLimits {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const num = (s: string | undefined): number => {
    const n = s === undefined || s === 'unlimited' ? UNLIMITED_FILES : Number(s);
    return Number.isFinite(n) && n > 0 ? n : UNLIMITED_FILES;
  };
  return { soft: num(m?.[1]), hard: num(m?.[2]) };
}

/**
 * The soft and hard limits on open files of this process. Node has no getrlimit(); Linux shows
 * them in /proc/self/limits (Node raised the soft limit to the hard one at start).
 */
export function openFileLimits(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): OpenFileLimits {
  try {
    return parseOpenFileLimits(read());
  } catch {
    return { soft: UNLIMITED_FILES, hard: UNLIMITED_FILES };
  }
}
