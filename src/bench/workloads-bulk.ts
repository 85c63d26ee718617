import { runIperf } from './iperf.js';
import { measured, type Workload } from './workload.js';

/** One TCP stream through the proxy; `reverse`: the server sends (iperf3 -R). */
const bulk = (reverse: boolean): Workload => ({
  id: reverse ? 'bulk-down' : 'bulk-up',
  title: reverse ? 'bulk, one stream, backend to client (iperf3 -R)' : 'bulk, one stream, client to backend (iperf3)',
  needs: ['iperf3'],
  appliesTo: () => true,
  upstreams: (b) => (b.iperf === undefined ? [] : [b.iperf]),
  maxConn: () => 16,
  run: async (ctx, target) => {
    const seconds = ctx.timing.seconds;
    const m = await measured(ctx, target, () =>
      runIperf(ctx.procs, { port: target.port, seconds, reverse, cpu: ctx.loadCpu }),
    );
    return [
      { metric: 'throughput', unit: 'Gbit/s', better: 'higher', value: m.result.bitsPerSecond / 1e9 },
      ...(target.pid === undefined
        ? []
        : [{ metric: 'proxy CPU busy', unit: '%', better: 'lower', value: (m.cpuSec / seconds) * 100 } as const]),
    ];
  },
});

export const bulkUp = bulk(false);
export const bulkDown = bulk(true);
