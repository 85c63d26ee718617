import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel units needed to turn /proc figures into seconds and bytes. */
export interface ProcUnits {
  readonly clkTck: number;
  readonly pageSize: number;
}

export function procUnits(): ProcUnits {
  const get = (name: string, fallback: number): number => {
    try {
      return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
    } catch {
      return fallback;
    }
  };
  return { clkTck: get('CLK_TCK', 100), pageSize: get('PAGESIZE', 4096) };
}

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited meanwhile
  }
};

/** Fields of /proc/PID/stat after the command name (which may contain spaces and parentheses). */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The process and all its descendants (nginx master + workers, a primary + workers). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOr(`/proc/${name}/stat`);
    if (!stat) continue;
    const ppid = Number(statFields(stat)[1]); // field 4 of stat: ppid
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 10_000) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface Usage {
  /** user + system CPU seconds of the whole tree */
  readonly cpuSec: number;
  readonly rssBytes: number;
  readonly fds: number;
}

/** CPU time (utime + stime), resident memory and open descriptors of a process tree. */
export const treeUsage = (root: number, units: ProcUnits, withFds = false): Usage =>
  usageOf(processTree(root), units, withFds);

/** The same for a set of processes (those gone meanwhile count for nothing). */
export function usageOf(pids: Iterable<number>, units: ProcUnits, withFds = false): Usage {
  let ticks = 0;
  let pages = 0;
  let fds = 0;
  for (const pid of pids) {
    const stat = readOr(`/proc/${pid}/stat`);
    const statm = readOr(`/proc/${pid}/statm`);
    if (!stat || !statm) continue;
    const f = statFields(stat);
    ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15: utime, stime
    pages += Number(statm.split(' ')[1]); // resident pages
    if (withFds) {
      try {
        fds += readdirSync(`/proc/${pid}/fd`).length;
      } catch {
        // gone
      }
    }
  }
  return { cpuSec: ticks / units.clkTck, rssBytes: pages * units.pageSize, fds };
}

/** The processes of the tree under `root` whose command name (/proc/PID/comm) matches `name`. */
export function namedInTree(root: number, name: RegExp): number[] {
  return processTree(root).filter((pid) => name.test((readOr(`/proc/${pid}/comm`) ?? '').trim()));
}

// The open-file limits moved to the load balancer itself (its descriptor budget).
export { openFileLimits } from '../core/open-files.js';
