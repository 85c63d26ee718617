import { spawn } from 'node:child_process';
import type { Logger } from '../log/logger.js';

export type ServiceState = 'READY' | 'RELOADING' | 'STOPPING';

/** Tells the service manager (systemd) where the process is: ready, reloading, stopping. */
export interface Notifier {
  notify(state: ServiceState, status?: string): void;
  /** Resolves once every message so far is sent (before process.exit). */
  settled(): Promise<void>;
}

export const noNotifier: Notifier = { notify: () => undefined, settled: () => Promise.resolve() };

/** The `KEY=VALUE` lines of one sd_notify message (pure: the test of the format needs no socket). */
export function notifyFields(
  state: ServiceState,
  o: { pid: number; monotonicUsec: bigint; status?: string },
): string[] {
  const fields = [`${state}=1`];
  if (state === 'READY') fields.push(`MAINPID=${o.pid}`);
  // systemd >= 253 (Type=notify-reload) wants the time a reload started with it; older ones ignore it.
  if (state === 'RELOADING') fields.push(`MONOTONIC_USEC=${o.monotonicUsec}`);
  if (o.status !== undefined) fields.push(`STATUS=${o.status.replace(/\n/g, ' ')}`);
  return fields;
}

/**
 * sd_notify through `systemd-notify` (Debian package systemd): Node has no unix datagram socket,
 * and systemd-notify sends the datagram with our PID as the sender (it uses its parent's), so it
 * works with NotifyAccess=main as well. `--no-block`: no barrier, which only a real systemd answers.
 * Without NOTIFY_SOCKET (not run by systemd) nothing is sent. Messages go out in order, one
 * at a time.
 */
export function systemdNotifier(env: NodeJS.ProcessEnv, log: Logger, program = 'systemd-notify'): Notifier {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return noNotifier;
  let chain = Promise.resolve();
  let warned = false;
  const send = (fields: string[]): Promise<void> =>
    new Promise((resolve) => {
      const child = spawn(program, ['--no-block', ...fields], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...env, NOTIFY_SOCKET: socket },
      });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const fail = (why: string): void => {
        if (!warned) log.warn(`sd_notify: ${fields[0]} not sent to ${socket}: ${why}`);
        warned = true;
      };
      child.once('error', (e) => {
        fail(`${e.message} (install the systemd package for systemd-notify)`);
        resolve();
      });
      child.once('close', (code) => {
        if (code !== 0) fail(err.trim() || `systemd-notify exited with ${code}`);
        resolve();
      });
    });
  return {
    notify: (state, status) => {
      const fields = notifyFields(state, { pid: process.pid, monotonicUsec: process.hrtime.bigint() / 1000n, status });
      chain = chain.then(() => send(fields));
    },
    settled: () => chain,
  };
}
