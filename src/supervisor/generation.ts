import { spawn, type ChildProcess } from 'node:child_process';
import { GENERATION_ENV, isFromGeneration, type FromGeneration, type ToGeneration } from './messages.js';

/** How a generation is started: the program as it is on disk now, with the original arguments. */
export interface ProgramCommand {
  readonly execPath: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** Last bytes of a generation's stderr kept for the failure report. */
const STDERR_TAIL = 2048;
/** How long an exited generation's stderr is read on before its exit is handled. */
const STDERR_GRACE_MS = 1000;

/** One running program generation: a child process with an IPC channel to the supervisor. */
export class Generation {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  version: string | undefined;
  /** The socket keys it asked for: what the supervisor must keep while it serves. */
  readonly sockets = new Set<string>();
  retiring = false;
  /** A SIGHUP came before it was ready: it gets one once it is. */
  reloadWhenReady = false;

  constructor(
    readonly n: number,
    cmd: ProgramCommand,
    onMessage: (g: Generation, m: FromGeneration) => void,
  ) {
    // detached: its own process group, so that a terminal's Ctrl-C reaches the supervisor alone,
    // which passes it on once (a second SIGINT would mean "exit now").
    this.proc = spawn(cmd.execPath, [...cmd.args], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...cmd.env, [GENERATION_ENV]: String(n) },
      detached: true,
    });
    this.proc.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      this.#stderr = (this.#stderr + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.proc.on('message', (m) => {
      if (isFromGeneration(m)) onMessage(this, m);
    });
    this.proc.on('error', () => undefined); // reported through 'exit' (or a failed start below)
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => {
        // Its last lines on stderr (why it failed) may still be in the pipe: pass them on before
        // the supervisor acts on the exit (and perhaps exits itself). Not for ever: a process it
        // left behind may hold the pipe open.
        const stderr = this.proc.stderr!;
        if (stderr.closed) return resolve({ code, signal });
        const done = (): void => {
          clearTimeout(timer);
          resolve({ code, signal });
        };
        const timer = setTimeout(done, STDERR_GRACE_MS);
        stderr.once('close', done);
      }),
    );
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The last line it wrote on stderr: why it failed to start. */
  get lastError(): string {
    const lines = this.#stderr.trim().split('\n');
    return lines[lines.length - 1] ?? '';
  }

  send(m: ToGeneration, handle?: object): void {
    if (!this.proc.connected) return;
    // A raw handle is sent as it is (net.Native): the receiver listens on it.
    this.proc.send(m, handle as never, undefined, () => undefined);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(signal);
  }
}
