import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

const firstLine = (cmd: string, args: readonly string[], pattern: RegExp): string | undefined => {
  // Some print their version on stderr (nginx -v) or exit non-zero after it (wrk -v).
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return pattern.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1];
};

/** Full path of a program on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    try {
      const p = `${dir}/${cmd}`;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function nodeVersion(node: string): string {
  return (
    firstLine(
      node,
      ['-p', 'process.version + (process.release.lts ? " LTS " + process.release.lts : "")'],
      /^(.+)$/m,
    ) ?? '?'
  );
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? '?';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  return {
    cpu,
    cores: cpus().length,
    kernel: release(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const peerVersions = (): Record<string, string | undefined> => ({
  haproxy: firstLine('haproxy', ['-v'], /version (\S+)/),
  nginx: firstLine('nginx', ['-v'], /nginx\/(\S+)/),
  wrk: firstLine('wrk', ['-v'], /wrk (\S+)/),
  iperf3: firstLine('iperf3', ['-v'], /iperf (\S+)/),
});
