import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** State letter of a process from /proc (R, S, T, Z…), or undefined when it is gone. */
export function stateOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

/** Alive: exists and is not a zombie waiting to be reaped. */
export const isAlive = (pid: number): boolean => {
  const s = stateOf(pid);
  return s !== undefined && s !== 'Z';
};

/** Pids of the processes whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether something listens on a TCP port (IPv4 or IPv6), from /proc/net/tcp{,6}. */
export function isListening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => {
    try {
      return readFileSync(f, 'utf8')
        .split('\n')
        .some((l) => {
          const cols = l.trim().split(/\s+/);
          return cols[1]?.endsWith(hex) === true && cols[3] === '0A';
        });
    } catch {
      return false;
    }
  });
}

/**
 * Connections waiting in the accept queue of the socket listening on a TCP port (IPv4), or
 * undefined when none listens: /proc/net/tcp shows it as the rx_queue of a LISTEN socket (what
 * `ss -ltn` shows as Recv-Q).
 */
export function acceptQueue(port: number): number | undefined {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const l of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const cols = l.trim().split(/\s+/);
    if (cols[1]?.endsWith(hex) === true && cols[3] === '0A') return parseInt(cols[4]?.split(':')[1] ?? '0', 16);
  }
  return undefined;
}

/** process.kill that ignores a process already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
