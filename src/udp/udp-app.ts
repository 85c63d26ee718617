import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { UdpAddon } from './native-udp.js';
import { UdpAccessLog } from './udp-access-log.js';
import { UdpPlane, type UdpPoolSource } from './udp-plane.js';
import type { UdpRole } from './udp-workers.js';
import type { SocketSource } from '../supervisor/socket-spec.js';

export { UdpPlane } from './udp-plane.js';

/**
 * A data plane's UDP listeners, wired in one call: the access log follows the config's
 * `log.access`, and `role` says whether this process serves UDP (udp-workers.ts).
 */
export function udpPlaneFor(
  deps: {
    readonly log: Logger;
    readonly clock: Clock;
    readonly sockets?: SocketSource | undefined;
    readonly native?: () => UdpAddon | undefined;
  },
  config: () => Config | undefined,
  pools: UdpPoolSource,
  role: UdpRole,
): UdpPlane {
  const { log, clock } = deps;
  return new UdpPlane({
    log,
    clock,
    pools,
    observer: new UdpAccessLog(log.child({ component: 'access' }), () => config()?.log.access ?? true),
    role,
    sockets: deps.sockets,
    native: deps.native,
  });
}

/** `Server is listening on udp port N`, a line per UDP listener of this process (none in a cluster primary). */
export const udpBanner = (app: object): string[] =>
  'udp' in app && app.udp instanceof UdpPlane
    ? [...app.udp.listeners().values()].map((l) => `Server is listening on udp port ${l.port}\n`)
    : [];
