import { runWrk, type WrkResult } from './wrk.js';
import { withSpread } from './worker-spread.js';
import { measured, type Figure, type Workload, type WorkloadContext } from './workload.js';
import type { Running } from './systems.js';

async function wrkMeasured(ctx: WorkloadContext, target: Running, close: boolean) {
  const t = ctx.timing;
  const run = (seconds: number): Promise<WrkResult> =>
    runWrk(ctx.procs, {
      url: `http://127.0.0.1:${target.port}/`,
      connections: close ? t.wrkConnectionsClose : t.wrkConnectionsKeepAlive,
      seconds,
      close,
      cpu: ctx.loadCpu,
    });
  if (t.warmSeconds > 0) await run(t.warmSeconds);
  const { result, spread } = await withSpread(target, () => measured(ctx, target, () => run(t.seconds)));
  return { ...result, spread };
}

const cpuFigures = (target: Running, cpuSec: number, work: number, wallSec: number, per: string): Figure[] =>
  target.pid === undefined
    ? []
    : [
        { metric: `CPU per ${per}`, unit: 'µs', better: 'lower', value: (cpuSec / work) * 1e6 },
        { metric: 'proxy CPU busy', unit: '%', better: 'lower', value: (cpuSec / wallSec) * 100 },
      ];

export const connPerRequest: Workload = {
  id: 'conn',
  title: 'new TCP connection per request (wrk, Connection: close)',
  needs: ['wrk'],
  appliesTo: () => true,
  upstreams: (b) => b.http,
  maxConn: (t) => t.wrkConnectionsClose * 4,
  run: async (ctx, target) => {
    const m = await wrkMeasured(ctx, target, true);
    const r = m.result;
    return [
      { metric: 'connections/s', unit: 'conn/s', better: 'higher', value: r.rps },
      ...cpuFigures(target, m.cpuSec, r.requests, r.seconds, 'connection'),
      { metric: 'errors', unit: 'count', better: 'lower', value: r.errors + r.non2xx, ratio: false },
      ...m.spread,
    ];
  },
};

export const keepAlive: Workload = {
  id: 'keepalive',
  title: 'keep-alive small requests (wrk)',
  needs: ['wrk'],
  appliesTo: () => true,
  upstreams: (b) => b.http,
  maxConn: (t) => t.wrkConnectionsKeepAlive * 4,
  run: async (ctx, target) => {
    const m = await wrkMeasured(ctx, target, false);
    const r = m.result;
    return [
      { metric: 'requests/s', unit: 'req/s', better: 'higher', value: r.rps },
      ...cpuFigures(target, m.cpuSec, r.requests, r.seconds, 'request'),
      ...(r.p50Us !== undefined
        ? [{ metric: 'p50 latency', unit: 'µs', better: 'lower', value: r.p50Us } as const]
        : []),
      ...(r.p99Us !== undefined
        ? [{ metric: 'p99 latency', unit: 'µs', better: 'lower', value: r.p99Us } as const]
        : []),
      { metric: 'errors', unit: 'count', better: 'lower', value: r.errors + r.non2xx, ratio: false },
      ...m.spread,
    ];
  },
};
