import type { App } from '../app.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { ReloadControl } from '../control/reload-result.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { AdminServer } from './server.js';

export interface AdminDeps {
  readonly app: App;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly reloader?: ReloadControl | undefined;
}

/**
 * Starts the admin API when the config asks for one. Its address and token are those of the
 * config the process started with: a reload does not move or re-key it (restart for that), so a
 * reload can never leave a non-loopback admin API without a token.
 */
export async function startAdmin(config: Config, deps: AdminDeps): Promise<AdminServer | undefined> {
  if (!config.admin) return undefined;
  const server = new AdminServer(
    { host: config.admin.bind.host, port: config.admin.bind.port, token: config.admin.token },
    { ...deps, log: deps.log.child({ component: 'admin' }), startedAt: deps.clock.now() },
  );
  await server.start();
  return server;
}
