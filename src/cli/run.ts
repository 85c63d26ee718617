import { App, type AppDeps } from '../app.js';
import type { AdminServer } from '../admin/server.js';
import { startAdmin } from '../admin/start.js';
import { systemClock } from '../core/clock.js';
import { random } from '../core/random.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { formatPath, validateConfig } from '../config/validate.js';
import { createLogger, type LoggerHandle } from '../log/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { startWithServers } from '../servers/sample-servers.js';
import { NO_DIFF } from '../config/diff.js';
import { diffLines } from '../config/diff-text.js';
import { Reloader, type LoadOutcome } from '../control/reloader.js';
import { ConfigWatcher } from '../control/config-watcher.js';
import { acceptModeFrom } from '../cluster/accept-mode.js';
import { clusterAdminHooks } from '../cluster/admin-hooks.js';
import { ClusterEngine } from '../cluster/cluster-engine.js';
import { clusterSpawn } from '../cluster/cluster-spawn.js';
import { resolveWorkers } from '../cluster/worker-count.js';
import type { Engine } from '../runtime.js';
import { configFromCli, type CliOptions } from './options.js';
import { systemdNotifier } from '../supervisor/sd-notify.js';
import { udpBanner } from '../udp/udp-app.js';
import { SharedState } from '../fleet/shared-state.js';
import { packageVersion } from '../core/version.js';
import { SupervisorLink } from '../supervisor/supervisor-link.js';
import { adminSocketSpec, listenerSocketSpecs } from '../supervisor/socket-spec.js';
import { dropPrivileges } from '../supervisor/privileges.js';
import { StateKeeper } from '../state/state-keeper.js';
import { describeBudget } from '../listener/fd-budget.js';
import { installSignals } from './process-signals.js';
import { connectionObserver } from '../plane/connection-observer.js';

// CLI flags that produced a config path, so that a cross-check names the flag the user typed.
const CLI_NAMES: Record<string, string> = {
  'pools.default.healthCheck.timeout': '--health-timeout',
  'pools.default.healthCheck.interval': '--health-interval',
  'listeners.main.bind': '--host/PORT',
  'pools.default.targets': '--backend',
  'admin.bind': '--admin',
  'admin.token': '--admin (token from $LB_ADMIN_TOKEN)',
  workers: '--workers',
};

export interface RunOptions extends CliOptions {
  withServers?: boolean;
}

export function cliConfig(port: string | undefined, o: CliOptions): { config: Config; usingSamples: boolean } {
  const { config, usingSamples } = configFromCli(port, { ...o, adminToken: process.env.LB_ADMIN_TOKEN || undefined });
  const v = validateConfig(config);
  if (!v.ok) {
    const i = v.issues[0]!;
    const p = formatPath(i.path);
    const name = Object.entries(CLI_NAMES).find(([k]) => p.startsWith(k))?.[1] ?? p;
    throw new InvalidArgumentError(`${name}: ${i.message}`);
  }
  return { config: v.config, usingSamples };
}

/** Runs the load balancer until SIGTERM/SIGINT; returns the exit code. */
export async function runBalancer(
  config: Config,
  info: {
    usingSamples: boolean;
    withServers: boolean;
    /** Reads the config again on reload; without it (command-line flags) a reload re-applies `config`. */
    load?: () => Promise<LoadOutcome>;
    /** The config file, and whether to reload when it changes. */
    file?: string;
    watch?: boolean;
  },
): Promise<void> {
  // Held until the banner is out (or the start failed): a user's first line is `Server is listening…`.
  const logger = createLogger({ level: config.log.level, format: config.log.format, held: true });
  try {
    await startBalancer(config, info, logger);
  } finally {
    logger.release();
  }
}

async function startBalancer(
  config: Config,
  info: Parameters<typeof runBalancer>[1],
  logger: LoggerHandle,
): Promise<void> {
  const log = logger.log;
  // Run by the supervisor (src/supervisor/): sockets come from it and survive upgrades.
  const link = SupervisorLink.fromProcess();
  // Under the supervisor, it holds them (src/supervisor/run-supervisor.ts): they outlive upgrades.
  const samples = info.withServers && !link ? await startWithServers(log) : undefined;
  const clock = systemClock();
  const workers = resolveWorkers(config.workers);
  // Metrics are counted only when the admin API (which serves /metrics) is on. In a cluster this
  // process keeps the control-plane ones and the workers count traffic.
  const metrics = config.admin
    ? new Metrics({ runtime: (): Engine => app, gauges: workers > 1 ? 'control' : 'all' })
    : undefined;
  const keeper = new StateKeeper({ path: config.stateFile, app: () => app, clock, log });
  const appDeps: AppDeps = {
    log,
    clock,
    random,
    observer: connectionObserver(config, log, metrics),
    healthObserver: metrics?.healthObserver,
    sockets: link,
  };
  const cluster = workers > 1 ? clusterEngine(workers, appDeps, link !== undefined) : undefined;
  const app: Engine = cluster ?? new App(appDeps);
  let admin: AdminServer | undefined;
  // discovery sources and the fleet: more writers of the target store (src/store/)
  const shared = new SharedState(config, {
    store: app.store,
    clock,
    log,
    version: packageVersion(),
    registry: metrics?.registry,
    adminUrl: () => admin?.url,
  });
  const notifier = link?.notifier ?? systemdNotifier(process.env, log);
  // The admin API stays where it started (a reload does not move it).
  const adminSpec = config.admin ? [adminSocketSpec(config.admin.bind)] : [];
  const version = packageVersion();
  const load = info.load ?? (() => Promise.resolve({ ok: true, config }));
  const reloader = new Reloader({
    load: () => {
      notifier.notify('RELOADING');
      return load();
    },
    apply: async (next) => {
      if (resolveWorkers(next.workers) !== workers)
        log.warn(`workers: the new count takes effect at the next start; ${workers} running until then`);
      // Applied or not, the supervisor closes the sockets of listeners no longer served (removed,
      // moved, or opened by a reload that failed) before the result is told.
      const summary = await app
        .apply(next)
        .finally(() => link?.keep([...listenerSocketSpecs(app.config), ...adminSpec]));
      await shared.apply(next);
      log.level = next.log.level;
      // Settings of the process itself (admin API, log format…) stay as started: say so, or the operator waits for them.
      const restartOnly = summary.diff.settings.filter((c) => c.restart && c.key !== 'workers'); // workers: warned above
      for (const line of diffLines({ ...NO_DIFF, settings: restartOnly })) log.warn(`reload: ${line}`);
      return summary;
    },
    log,
    clock,
    onResult: (r) => {
      metrics?.recordReload(r);
      notifier.notify('READY', r.ok ? `config version ${r.version}` : 'reload failed; the previous config serves');
    },
  });
  try {
    await app.apply(config);
    const hooks = cluster ? clusterAdminHooks(cluster, metrics) : { metrics };
    if (await keeper.restore((await link?.inheritedState()) ?? null)) await hooks.changed?.();
    link?.provideState(() => keeper.capture());
    keeper.watch(); // every target change from now on is written (coalesced)
    admin = await startAdmin(config, {
      app,
      clock,
      log,
      reloader,
      shared,
      ...hooks,
      program: { generation: link?.generation ?? 1, version, upgrade: link && (() => link.upgrade()) },
      sockets: link,
    });
    if (config.user !== undefined) {
      const id = dropPrivileges({ user: config.user, group: config.group });
      log.info(`running as user ${config.user} (uid ${id.uid}, gid ${id.gid}) from now on`);
    }
    await shared.start(); // never waits for etcd or DNS: static targets serve meanwhile
  } catch (e) {
    await samples?.stop();
    await shared.stop();
    await app.stop();
    throw e;
  }
  const watcher =
    info.watch === true && info.file !== undefined
      ? new ConfigWatcher({ file: info.file, clock, log, onChange: () => void reloader.reload('watch') })
      : undefined;
  await watcher?.start();
  // Handlers first: a supervisor may signal as soon as it reads the banner.
  installSignals(app, logger, reloader, notifier, keeper, link, samples, admin, shared, watcher);
  // One write: a reader (tests, scripts) that sees the first line sees the whole banner.
  const banner = [...app.listeners().values()].map((l) => `Server is listening on port ${l.port}\n`);
  banner.push(...udpBanner(app));
  if (admin) banner.push(`Admin API listening on ${admin.url}\n`);
  const targets = Object.values(config.pools).flatMap((p) =>
    p.targets.map((t) => `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`),
  );
  if (info.usingSamples)
    banner.push(
      `Forwarding to the sample servers ${targets.join(', ')}${info.withServers ? '' : ' (start them with `npm run servers`)'}\n`,
    );
  else banner.push(`Forwarding to ${targets.join(', ')}\n`);
  const relay = app.relayStatus?.();
  if (relay) banner.push(`Relay: ${relay.mode} (${relay.reason})\n`);
  if (relay?.nativeAccept)
    banner.push(`Accept: ${relay.nativeAccept.length > 0 ? `native (${relay.nativeAccept.join(', ')})` : 'node'}\n`);
  const fds = app.descriptors?.();
  if (fds) {
    const line = `${describeBudget(fds)}${fds.perWorker ? ' per worker' : ''}`;
    log.info(
      { descriptors: { soft: fds.soft, hard: fds.hard, reserve: fds.reserve, connections: fds.connections } },
      line,
    );
    banner.push(`${line}\n`);
  }
  process.stdout.write(banner.join(''));
  notifier.notify('READY');
  link?.ready(version);
}

/**
 * Supervised, the workers listen on the supervisor's sockets (an upgrade hands them over) in the
 * default accept mode; `rr` and `reuseport` bind their own (an upgrade then fails, and the old
 * generation serves on).
 */
function clusterEngine(workers: number, app: AppDeps, supervised: boolean): ClusterEngine {
  const mode = acceptModeFrom(process.env, process.version);
  return new ClusterEngine({
    workers,
    app,
    sockets: app.sockets,
    spawn: clusterSpawn(app.log, mode, supervised && mode === 'none'),
  });
}
