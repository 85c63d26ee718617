import type { App } from '../app.js';
import { UdpAccessLog } from './udp-access-log.js';
import { UdpPlane, type UdpPoolSource } from './udp-plane.js';
import { udpRole } from './udp-workers.js';

export { UdpPlane } from './udp-plane.js';

/**
 * The App's UDP plane, wired in one call: the access log follows the config's `log.access`, and
 * the cluster role (which workers bind UDP) comes from the worker's environment.
 */
export function udpPlaneFor(app: Pick<App, 'deps' | 'config'>, pools: UdpPoolSource): UdpPlane {
  const { log, clock } = app.deps;
  return new UdpPlane({
    log,
    clock,
    pools,
    observer: new UdpAccessLog(log.child({ component: 'access' }), () => app.config?.log.access ?? true),
    role: app.deps.serveTraffic === false ? { serve: false } : udpRole(process.env),
  });
}

/** `Server is listening on udp port N`, a line per UDP listener of this process (none in a cluster primary). */
export const udpBanner = (app: object): string[] =>
  'udp' in app && app.udp instanceof UdpPlane
    ? [...app.udp.listeners().values()].map((l) => `Server is listening on udp port ${l.port}\n`)
    : [];
