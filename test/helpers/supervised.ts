import { readdirSync, readFileSync } from 'node:fs';

/** The processes whose parent is `pid` (Linux /proc): the generations a supervisor runs. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Real and effective uid of a process (Linux /proc). */
export function uidOf(pid: number): { real: number; effective: number } {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no Uid line for ${pid}`);
  return { real: Number(m[1]), effective: Number(m[2]) };
}

/**
 * The process that carries the connections of a started CLI: the one generation its supervisor
 * runs (or the process itself with LB_SUPERVISOR=0). Memory and descriptor counts are read there.
 */
export function trafficPid(startedPid: number): number {
  const kids = childPids(startedPid);
  if (kids.length > 1) throw new Error(`${kids.length} generations run under ${startedPid}`);
  return kids[0] ?? startedPid;
}
