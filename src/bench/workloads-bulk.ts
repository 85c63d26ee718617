import { iperfFlaked, runIperf } from './iperf.js';
import { measured, sleep, type Workload } from './workload.js';

/** One TCP stream through the proxy; `reverse`: the server sends (iperf3 -R). */
const bulk = (reverse: boolean, id = reverse ? 'bulk-down' : 'bulk-up'): Workload => ({
  id,
  title: reverse ? 'bulk, one stream, backend to client (iperf3 -R)' : 'bulk, one stream, client to backend (iperf3)',
  needs: ['iperf3'],
  appliesTo: () => true,
  upstreams: (b) => (b.iperf === undefined ? [] : [b.iperf]),
  maxConn: () => 16,
  run: async (ctx, target) => {
    const seconds = ctx.timing.seconds;
    const attempt = () =>
      measured(ctx, target, () => runIperf(ctx.procs, { port: target.port, seconds, reverse, cpu: ctx.loadCpu }));
    const m = await attempt().catch(async (e: unknown) => {
      if (!iperfFlaked(e)) throw e;
      ctx.note?.(`${id}: iperf3 failed once and was run again (${String(e)})`);
      await sleep(500); // the server ends its side of the failed test first
      return attempt();
    });
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
