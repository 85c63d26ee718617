import type { AdminServer } from '../admin/server.js';
import type { ConfigWatcher } from '../control/config-watcher.js';
import type { Reloader } from '../control/reloader.js';
import type { SharedState } from '../fleet/shared-state.js';
import type { LoggerHandle } from '../log/logger.js';
import type { Engine } from '../runtime.js';
import type { SampleServers } from '../servers/sample-servers.js';
import type { StateKeeper } from '../state/state-keeper.js';
import type { Notifier } from '../supervisor/sd-notify.js';
import type { SupervisorLink } from '../supervisor/supervisor-link.js';
import { DRAIN_SLACK_MS, exitWithin } from './exit-guard.js';
import { onStopSignals } from './stop-signals.js';

/**
 * How the program (a single process, a generation, a cluster's primary) reacts to signals and to
 * its supervisor: SIGTERM/SIGINT, an upgrade's retire and the supervisor gone drain and exit,
 * within a bound; SIGHUP reloads; SIGUSR2 is logged (upgrades go to the supervisor).
 */
export function installSignals(
  app: Engine,
  logger: LoggerHandle,
  reloader: Reloader,
  notifier: Notifier,
  keeper: StateKeeper,
  link: SupervisorLink | undefined,
  samples: SampleServers | undefined,
  admin: AdminServer | undefined,
  shared: SharedState,
  watcher?: ConfigWatcher,
): void {
  const { log } = logger;
  const stopOn = onStopSignals({
    again: (sig) => {
      log.warn(`${sig} again: exiting now`);
      logger.flushSync();
      process.exit(1);
    },
    stop: (sig) => {
      notifier.notify('STOPPING');
      // Retiring at an upgrade: the next generation owns the state file from now on.
      if (sig === 'retire') keeper.stop();
      void watcher?.stop(); // no reload while draining
      const drainMs = app.config?.drainTimeout ?? 0;
      const why =
        sig === 'retire'
          ? 'replaced by a new generation'
          : sig === 'disconnect'
            ? 'the supervisor is gone'
            : `${sig} received`;
      log.info(`${why}: draining connections for up to ${drainMs}ms`);
      // Whatever the drain, the admin API or etcd do, the process ends (issue 14: exit never hangs),
      // after its cluster workers' own bound (drainTimeout + the slack).
      exitWithin(drainMs + 2 * DRAIN_SLACK_MS, 1);
      void app
        .shutdown(drainMs, sig === 'retire')
        .then(() => samples?.stop())
        .then(() => admin?.stop()) // after the drain, so that it can be watched
        .then(() => shared.stop()) // this node leaves the fleet's list at once
        .then(() => keeper.flush())
        .then(() => notifier.settled())
        .then(() => {
          log.info('stopped');
          logger.flushSync(); // an asynchronous flush could lose the last lines at exit
          process.exit(0);
        });
    },
    hangup: () => void reloader.reload('signal'),
  });
  link?.onRetire(() => stopOn('retire'));
  // The supervisor is gone (killed): drain and exit rather than serve on, orphaned. Its end of the
  // stderr pipe is gone too: a write there fails (EPIPE), which must not end the drain.
  if (link) process.once('disconnect', () => stopOn('disconnect'));
  if (link) process.stderr.on('error', () => undefined);
  // Node's default for SIGUSR2 ends the process: here it is only a misdirected upgrade.
  process.on('SIGUSR2', () =>
    log.warn(
      link
        ? `SIGUSR2 to generation ${link.generation} (pid ${process.pid}) does nothing: an upgrade is asked of the started process, its supervisor (pid ${process.ppid})`
        : 'SIGUSR2: no supervisor to upgrade with (started with LB_SUPERVISOR=0): restart to run the program now on disk',
    ),
  );
}
