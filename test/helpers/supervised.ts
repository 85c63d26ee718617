import { readdirSync, readFileSync } from 'node:fs';
import { startCli, type RunningCli } from './cli.js';

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

/**
 * Starts the CLI under its supervisor whatever the environment says (LB_SUPERVISOR=1): the one place
 * the supervisor tests ask for it.
 */
export function startSupervised(
  args: readonly string[],
  opts: Parameters<typeof startCli>[1] = {},
): Promise<RunningCli> {
  return startCli(args, { ...opts, env: { ...opts.env, LB_SUPERVISOR: '1' } });
}

/** Every process under `pid`: generations and their cluster workers. */
export function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

/**
 * Kills a started CLI and every generation and worker it ran. They are listed first: once the
 * started process is gone they have another parent (a generation alone drains for drainTimeout).
 */
export async function killSupervised(lb: RunningCli): Promise<void> {
  const pids = descendants(lb.proc.pid!);
  await lb.stop('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
