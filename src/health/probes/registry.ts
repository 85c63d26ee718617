import type { HealthCheckConfig } from '../../config/schema.js';
import type { Probe } from '../probe.js';
import { httpProbe } from './http.js';
import { sendExpectProbe } from './send-expect.js';
import { tcpConnectProbe, type ProbePrelude } from './tcp-connect.js';
import { udpProbe } from './udp.js';

/** Builds the probe a pool's `healthCheck` asks for. */
export function createProbe(hc: HealthCheckConfig, prelude?: ProbePrelude): Probe {
  switch (hc.type) {
    case 'tcp':
    case 'none':
      return tcpConnectProbe(hc.port, prelude);
    case 'http':
      return httpProbe(hc, prelude);
    case 'send-expect':
      // semantic checks make sure a send-expect check has `expect`
      return sendExpectProbe({ ...hc, expect: hc.expect ?? '' }, prelude);
    case 'udp':
      // A PROXY v2 receiver gets LOCAL first, in the same datagram (the prelude ignores addresses).
      return udpProbe(hc, prelude && (() => prelude({ address: '', port: 0 }, { address: '', port: 0 })));
  }
}
