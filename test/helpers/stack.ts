import { AdminServer } from '../../src/admin/server.js';
import { App } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import type { ReloadControl } from '../../src/control/reload-result.js';
import { createLogger } from '../../src/log/logger.js';
import { fanout } from '../../src/log/access-log.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { seededRandom } from './fake-clock.js';

export interface Stack {
  readonly app: App;
  readonly admin: AdminServer;
  readonly metrics: Metrics;
  /** Base URL of the admin API. */
  readonly url: string;
  /** The bound port of a listener. */
  port(listener?: string): number;
  stop(): Promise<void>;
}

export function config(input: ConfigInput) {
  const v = validateConfig(input);
  if (!v.ok) throw new Error(`bad test config: ${JSON.stringify(v.issues)}`);
  return v.config;
}

/** An App, its Metrics and an AdminServer in this process, on ephemeral loopback ports. */
export async function startStack(
  input: ConfigInput,
  opts: { token?: string; reloader?: ReloadControl; clock?: Clock; bodyLimit?: number } = {},
): Promise<Stack> {
  const log = createLogger({ level: 'silent', format: 'json' });
  const clock = opts.clock ?? systemClock();
  const metrics = new Metrics({ runtime: (): App => app, processMetrics: true });
  const app: App = new App({
    log,
    clock,
    random: seededRandom(1),
    observer: fanout([metrics.observer]),
    healthObserver: metrics.healthObserver,
  });
  await app.apply(config(input));
  const admin = new AdminServer(
    { host: '127.0.0.1', port: 0, token: opts.token, bodyLimit: opts.bodyLimit },
    { app, clock, log, metrics, reloader: opts.reloader, startedAt: clock.now() },
  );
  await admin.start();
  return {
    app,
    admin,
    metrics,
    url: admin.url,
    port: (name = 'main') => app.listeners().get(name)!.port,
    stop: async () => {
      await admin.stop();
      await app.stop();
    },
  };
}
