import { createLogger, type LogFormat, type LogLevel } from '../log/logger.js';
import { SUPERVISOR_ENV, GENERATION_ENV } from './messages.js';
import { systemdNotifier } from './sd-notify.js';
import { Supervisor } from './supervisor.js';

/** A generation gets this long to become ready (it may load a large config, dial checks…). */
const READY_TIMEOUT_MS = 60_000;

/** Whether this process should be the supervisor: not already a generation, and not turned off. */
export const shouldSupervise = (env: NodeJS.ProcessEnv): boolean =>
  env[GENERATION_ENV] === undefined && env[SUPERVISOR_ENV] !== '0';

/**
 * The started process: runs the program (this same command line) as generation 1, and a new
 * generation on SIGUSR2 or POST /api/upgrade. Its PID stays for the life of the service.
 */
export async function runSupervisor(o: {
  logLevel?: string;
  logFormat?: string;
  withServers?: boolean;
}): Promise<void> {
  const logger = createLogger({
    level: (o.logLevel ?? 'info') as LogLevel,
    format: o.logFormat as LogFormat | undefined,
  });
  const log = logger.log.child({ component: 'supervisor' });
  // The sample servers of `npm start` outlive generations here: started by a generation, they
  // would stop with it and leave the next one forwarding to nothing after an upgrade.
  if (o.withServers === true) await (await import('../servers/sample-servers.js')).startWithServers(log); // end with this process
  const supervisor = new Supervisor({
    command: {
      execPath: process.execPath,
      args: [...process.execArgv, ...process.argv.slice(1)],
      env: process.env,
    },
    log,
    notifier: systemdNotifier(process.env, log),
    readyTimeoutMs: Number(process.env.LB_READY_TIMEOUT_MS) || READY_TIMEOUT_MS,
    exit: (code) => {
      logger.flushSync();
      process.exit(code);
    },
  });
  process.on('SIGUSR2', () => void supervisor.upgrade('signal'));
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => supervisor.signal(sig));
  await supervisor.start();
}
