import type { HealthCheckConfig } from '../../config/schema.js';
import type { Probe } from '../probe.js';
import { tcpConnectProbe, type ProbePrelude } from './tcp-connect.js';

/** Builds the probe a pool's `healthCheck` asks for. */
export function createProbe(hc: HealthCheckConfig, prelude?: ProbePrelude): Probe {
  switch (hc.type) {
    case 'tcp':
    case 'none':
      return tcpConnectProbe(hc.port, prelude);
    case 'http':
    case 'send-expect':
      // Filled in by the http and send-expect probes; tcp until then.
      return tcpConnectProbe(hc.port);
  }
}
