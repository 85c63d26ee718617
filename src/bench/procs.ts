import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface StartOptions {
  /** Pin to this CPU (taskset -c); undefined = no pinning. */
  readonly cpu?: number | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Where stdout goes: captured (bounded) or thrown away. */
  readonly stdout?: 'capture' | 'discard';
}

export interface Spawned {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  readonly alive: () => boolean;
  stdout(): string;
  stderr(): string;
}

const KEEP = 64 * 1024; // captured output is bounded: only the tail is kept

/**
 * Every process the bench starts. Each child leads its own process group, so that stopping it
 * also ends what it forked (nginx workers), and stopAll() runs on success, failure and Ctrl-C.
 */
export class ProcessSet {
  readonly #running = new Map<number, Spawned>();
  readonly #devnull = openSync('/dev/null', 'w');

  start(name: string, cmd: string, args: readonly string[], opts: StartOptions = {}): Spawned {
    const argv = opts.cpu === undefined ? [cmd, ...args] : ['taskset', '-c', String(opts.cpu), cmd, ...args];
    const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
      detached: true, // own process group: see the class comment
      stdio: ['ignore', opts.stdout === 'discard' ? this.#devnull : 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-KEEP)));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-KEEP)));
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (e) => {
        err += `\n${e.message}`;
        resolve(null);
      });
      child.once('exit', (code) => resolve(code));
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
    let alive = true;
    const s: Spawned = {
      name,
      pid: child.pid,
      exited,
      alive: () => alive,
      stdout: () => out,
      stderr: () => err,
    };
    this.#running.set(s.pid, s);
    void exited.then(() => {
      alive = false;
      this.#running.delete(s.pid);
    });
    return s;
  }

  /** Runs a program to completion, killed after `timeoutMs`. */
  async run(
    name: string,
    cmd: string,
    args: readonly string[],
    opts: StartOptions & { timeoutMs: number },
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const s = this.start(name, cmd, args, opts);
    const timer = setTimeout(() => void this.stop(s), opts.timeoutMs);
    const code = await s.exited;
    clearTimeout(timer);
    return { code, stdout: s.stdout(), stderr: s.stderr() };
  }

  /** SIGTERM to the group, then SIGKILL if it is still there after `graceMs`. */
  async stop(s: Spawned, graceMs = 3000): Promise<void> {
    if (!s.alive()) return;
    signalGroup(s.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(s.pid, 'SIGKILL'), graceMs);
    await s.exited;
    clearTimeout(timer);
    signalGroup(s.pid, 'SIGKILL'); // stragglers in the group (a worker whose master died)
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.values()].map((s) => this.stop(s)));
  }

  /** Last resort from a signal or exit handler: no waiting possible. */
  killAllNow(): void {
    for (const pid of this.#running.keys()) signalGroup(pid, 'SIGKILL');
    this.#running.clear();
  }

  close(): void {
    closeSync(this.#devnull);
  }
}

/**
 * On SIGINT/SIGTERM, stop every process of `procs` (SIGKILL after 5 s) and exit 130; on any exit,
 * kill what is left. For the command-line tools (bench, chaos) that own a ProcessSet.
 */
export function stopAllOnSignals(procs: ProcessSet, log: (line: string) => void): void {
  const abort = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping everything it started`);
    void procs.stopAll().finally(() => process.exit(130));
    setTimeout(() => {
      procs.killAllNow();
      process.exit(130);
    }, 5000).unref();
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  process.once('exit', () => procs.killAllNow());
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is already gone
  }
}
