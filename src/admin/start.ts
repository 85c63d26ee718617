import type { Config } from '../config/schema.js';
import type { AdminContext } from './context.js';
import { AdminServer } from './server.js';

export type AdminDeps = Omit<AdminContext, 'startedAt'>;

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
