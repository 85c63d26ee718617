import type { ProgramInfo } from '../../src/runtime.js';
import { AdminServer } from '../../src/admin/server.js';
import { App, type AppDeps } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { ReloadControl } from '../../src/control/reload-result.js';
import { Reloader } from '../../src/control/reloader.js';
import { createLogger } from '../../src/log/logger.js';
import { fanout } from '../../src/log/access-log.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { config } from './app.js';
import { seededRandom } from './fake-clock.js';

export interface Stack {
  readonly app: App;
  /** The admin server now (a new one after restartAdmin()). */
  readonly admin: AdminServer;
  readonly metrics: Metrics;
  /** Base URL of the admin API. */
  readonly url: string;
  /** The bound port of a listener. */
  port(listener?: string): number;
  /** Stops the admin server (its event streams end, new connections are refused). */
  stopAdmin(): Promise<void>;
  /** Starts a new admin server on the same port (the runtime went on meanwhile). */
  restartAdmin(): Promise<void>;
  stop(): Promise<void>;
}

/** An App, its Metrics and an AdminServer in this process, on ephemeral loopback ports. */
export async function startStack(
  input: ConfigInput,
  opts: {
    token?: string;
    /** A reloader of the test's own; or `load`, for a real Reloader reading this config on reload. */
    reloader?: ReloadControl;
    load?: () => ConfigInput;
    clock?: Clock;
    bodyLimit?: number;
    /** Generation, version and upgrade (the supervisor's part, faked by the test). */
    program?: ProgramInfo;
    /** A descriptor budget of the test's own. */
    fdBudget?: AppDeps['fdBudget'];
  } = {},
): Promise<Stack> {
  const log = createLogger({ level: 'silent', format: 'json' }).log;
  const clock = opts.clock ?? systemClock();
  const metrics = new Metrics({ runtime: (): App => app, processMetrics: true });
  const app: App = new App({
    log,
    clock,
    random: seededRandom(1),
    observer: fanout([metrics.observer]),
    healthObserver: metrics.healthObserver,
    ...(opts.fdBudget ? { fdBudget: opts.fdBudget } : {}),
  });
  await app.apply(config(input));
  const load = opts.load;
  const reloader =
    opts.reloader ??
    (load &&
      new Reloader({
        load: () => Promise.resolve({ ok: true, config: config(load()) }),
        apply: (next) => app.apply(next),
        log,
        clock,
        onResult: (r) => metrics.recordReload(r),
      }));
  const adminOn = (port: number): AdminServer =>
    new AdminServer(
      { host: '127.0.0.1', port, token: opts.token, bodyLimit: opts.bodyLimit },
      { app, clock, log, metrics, reloader, startedAt: clock.now(), program: opts.program },
    );
  let admin = adminOn(0);
  await admin.start();
  const url = admin.url;
  const adminPort = admin.port;
  return {
    app,
    get admin() {
      return admin;
    },
    metrics,
    url,
    port: (name = 'main') => app.listeners().get(name)!.port,
    stopAdmin: () => admin.stop(),
    restartAdmin: async () => {
      await admin.stop();
      admin = adminOn(adminPort);
      await admin.start();
    },
    stop: async () => {
      await admin.stop();
      await app.stop();
    },
  };
}
