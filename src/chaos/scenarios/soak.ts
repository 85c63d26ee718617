// A soak: steady keep-alive and new-connection load plus echo streams, with the proxy's memory
// and descriptors sampled throughout; the trend is the slope over the second half.
import { killAll, startBackends } from '../backends.js';
import { runLoad } from '../http-client.js';
import { ports, settledUsage, withProxy, type Scenario } from '../scenario.js';
import { echoStream } from '../streams.js';
import { busiest, fullGcs } from '../gc-trace.js';

/** Ours prints a line after each full collection: what stays live tells a leak from heap sizing. */
const GC_TRACE = ['--trace-gc', '--trace-gc-ignore-scavenger'];

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1));

export const soak: Scenario = {
  id: 'soak',
  run: async (ctx) => {
    const web = await startBackends('w', 'http', 3);
    const echo = await startBackends('e', 'echo', 1);
    const [webPort, streamPort] = await ports(2);
    const spec = {
      listeners: [
        { name: 'web', port: webPort!, pool: 'web' },
        { name: 'streams', port: streamPort!, pool: 'echo' },
      ],
      pools: [
        { name: 'web', targets: web.map((b) => ({ port: b.port })) },
        { name: 'echo', targets: echo.map((b) => ({ port: b.port })) },
      ],
    };
    const seconds = ctx.scale.soakSeconds;
    const half = Math.max(1, ctx.scale.concurrency / 4);
    let launchedAt = 0;
    return withProxy(
      () => {
        launchedAt = Date.now();
        return ctx.start(spec, { nodeFlags: GC_TRACE });
      },
      async (p) => {
        const before = await settledUsage(p, ctx.settleMs / 3);
        const t0 = Date.now();
        const samples: { t: number; rss: number; fds: number }[] = [];
        const sampler = setInterval(
          () => {
            const u = p.usage();
            samples.push({ t: (Date.now() - t0) / 1000, rss: u.rssBytes, fds: u.fds });
          },
          Math.max(250, (seconds * 1000) / 60),
        );
        const bytes = Math.round((ctx.scale.streamBytes / ctx.scale.loadSeconds) * seconds);
        const [ka, nc, st] = await Promise.all([
          runLoad({ port: webPort!, concurrency: half, seconds, keepAlive: true }),
          runLoad({ port: webPort!, concurrency: half, seconds, keepAlive: false }),
          Promise.all([1, 2].map(() => echoStream(streamPort!, bytes, seconds, seconds * 1000 + 60_000))),
        ]);
        clearInterval(sampler);
        const after = await settledUsage(p, ctx.settleMs);
        const second = samples.filter((s) => s.t >= seconds / 2);
        const rssSlope = slope(second.map((s) => [s.t / 60, s.rss / 2 ** 20])); // MB a minute
        const fdMax = Math.max(0, ...samples.map((s) => s.fds));
        const rssMax = Math.max(0, ...samples.map((s) => s.rss));
        // Full collections during the load (their clock starts with the process, after launchedAt).
        const gcs = busiest(fullGcs(p.output())).filter((g) => g.ms >= t0 - launchedAt);
        const live = slope(gcs.map((g) => [g.ms / 60_000, g.afterMB]));
        const heap =
          p.system !== 'lb'
            ? ''
            : gcs.length === 0
              ? '; no full GC during the soak'
              : `; V8 heap after each full GC ${gcs[0]!.afterMB} → ${gcs.at(-1)!.afterMB} MB ` +
                `(${gcs.length} GCs, ${live >= 0 ? '+' : ''}${live.toFixed(2)} MB/min; up to ` +
                `${Math.max(...gcs.map((g) => g.beforeMB))} MB before one)`;
        return {
          requests: ka.requests + nc.requests,
          failed: ka.failed + nc.failed,
          intact: { ok: st.filter((s) => s.intact).length, total: st.length },
          before,
          after,
          detail:
            `${seconds} s; RSS ${mb(second[0]?.rss)} → ${mb(second.at(-1)?.rss)} MB over the second half ` +
            `(${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(2)} MB/min), ` +
            `peak ${(rssMax / 2 ** 20).toFixed(0)} MB; fds peak ${fdMax}; ${samples.length} samples${heap}`,
          values: {
            rssSlopeMBPerMin: rssSlope,
            rssPeak: rssMax,
            fdsPeak: fdMax,
            ...(gcs.length > 0 ? { fullGcs: gcs.length, heapAfterGcSlopeMBPerMin: live } : {}),
          },
        };
      },
      () => killAll([...web, ...echo]),
    );
  },
};
