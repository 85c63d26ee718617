import type { HealthCheckConfig } from '../../config/schema.js';
import type { Probe } from '../probe.js';
import { tcpConnectProbe } from './tcp-connect.js';

/** Builds the probe a pool's `healthCheck` asks for. */
export function createProbe(hc: HealthCheckConfig): Probe {
  switch (hc.type) {
    case 'tcp':
    case 'none':
      return tcpConnectProbe(hc.port);
    case 'http':
    case 'send-expect':
      // Filled in by the http and send-expect probes; tcp until then.
      return tcpConnectProbe(hc.port);
  }
}
