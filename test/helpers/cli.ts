import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface RunningCli {
  readonly proc: ChildProcess;
  readonly port: number;
  /** Everything written to stdout so far (the JSON log lines included). */
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** The log messages of a target's health changes to `to` (from `from`, if given) so far (JSON log), oldest first. */
const changesOf = (lb: RunningCli, target: string, to: string, from?: string): string[] =>
  lb
    .logs()
    .flatMap((l) =>
      l.target === target && l.to === to && (from === undefined || l.from === from) ? [String(l.msg)] : [],
    );

/** The log messages of a target's returns from DOWN to UP so far (JSON log), oldest first. */
export const risesOf = (lb: RunningCli, target: string): string[] => changesOf(lb, target, 'healthy', 'unhealthy');

/** The log messages of a target going DOWN so far (JSON log), oldest first. */
export const fallsOf = (lb: RunningCli, target: string): string[] => changesOf(lb, target, 'unhealthy');

/** Starts the built CLI and resolves when it prints `Server is listening on port N` (30 s: the 2 cores are shared by parallel suites). */
export function startCli(
  args: readonly string[],
  /** `ready`: the banner line to wait for, with the port in group 1 (UDP: `Server is listening on udp port N`). */
  opts: {
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    ready?: RegExp;
    program?: string;
    /** Another Node binary (Node 22/24: test/helpers/node-versions.ts). */
    node?: string;
    /** A command that runs node (e.g. `['prlimit', '--nofile=256:256']`). */
    wrap?: readonly string[];
  } = {},
): Promise<RunningCli> {
  const node = opts.node ?? process.execPath;
  const wrap = opts.wrap ?? [];
  const cmd = wrap[0] ?? node;
  const pre = wrap.length > 0 ? [...wrap.slice(1), node] : [];
  const proc = spawn(cmd, [...pre, opts.program ?? CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`CLI did not start: ${out} ${err}`));
    }, opts.timeoutMs ?? 60_000);
    const check = (): void => {
      const m = (opts.ready ?? /Server is listening on port (\d+)/).exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout.off('data', check);
      resolve({
        proc,
        port: Number(m[1]),
        stdout: () => out,
        stderr: () => err,
        logs: () =>
          out
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        stop: async (signal = 'SIGTERM') => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          return exited;
        },
        exited,
      });
    };
    proc.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code} before listening: ${err || out}`));
    });
  });
}

/** The admin API's URL (`http://127.0.0.1:PORT`) a started CLI printed. */
export function adminUrlOf(lb: Pick<RunningCli, 'stdout'>): string {
  const url = /Admin API listening on (http:\/\/\S+)/.exec(lb.stdout())?.[1];
  if (!url) throw new Error(`no admin API line in: ${lb.stdout()}`);
  return url;
}

/** Runs the CLI to completion (bad arguments, `check`…). */
export function runCli(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`CLI did not exit: ${stdout} ${stderr}`));
    }, timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
