// A reload storm: reloads that change weights, targets and listeners (for ours, two SIGHUPs for
// one `POST /api/reload`; SIGUSR2 to HAProxy's master), one after the other, under long echo
// streams checked with SHA-256 and a request load.
import { killAll, startBackends, type Backend } from '../backends.js';
import type { PoolSpec, ProxySpec } from '../configs.js';
import { runLoad } from '../http-client.js';
import { ports, settledUsage, sleep, withProxy, type Scenario } from '../scenario.js';
import { echoStream } from '../streams.js';

/** The i-th config of the storm: every target with other weights, or one target left out. */
export function stormPool(name: string, backends: readonly Backend[], i: number): PoolSpec {
  const all = backends.map((b, k) => ({ port: b.port, weight: 1 + ((i + k) % 3) }));
  return { name, targets: i % 3 === 2 ? all.filter((_, k) => k !== i % backends.length) : all };
}

export const reloadStorm: Scenario = {
  id: 'reload-storm',
  run: async (ctx) => {
    const web = await startBackends('w', 'http', 3);
    const echo = await startBackends('e', 'echo', 3);
    const [webPort, streamPort, extraPort, adminPort] = await ports(4);
    const spec = (i: number): ProxySpec => ({
      listeners: [
        { name: 'web', port: webPort!, pool: 'web' },
        { name: 'streams', port: streamPort!, pool: 'echo' },
        // A listener that comes and goes with every other reload.
        ...(i % 2 === 1 ? [{ name: 'extra', port: extraPort!, pool: 'web' }] : []),
      ],
      pools: [stormPool('web', web, i), stormPool('echo', echo, i)],
      admin: { port: adminPort!, token: 'chaos-admin-token' },
    });
    const { loadSeconds, streams, streamBytes, reloads, concurrency } = ctx.scale;
    return withProxy(
      () => ctx.start(spec(0), { reloadable: true }),
      async (p) => {
        const before = await settledUsage(p, ctx.settleMs / 3);
        const streamRuns = Array.from({ length: streams }, () =>
          echoStream(streamPort!, streamBytes, loadSeconds, loadSeconds * 1000 + 60_000),
        );
        const load = runLoad({
          port: webPort!,
          concurrency: Math.max(1, concurrency / 4),
          seconds: loadSeconds,
          keepAlive: false,
        });
        let done = 0;
        let refused = 0;
        let viaApi = 0;
        const gap = (loadSeconds * 1000) / (reloads + 1);
        for (let i = 1; i <= reloads && p.alive(); i++) {
          await sleep(gap);
          const via = i % 3 === 0 ? 'api' : 'signal';
          if (via === 'api' && ctx.system === 'lb') viaApi++;
          if (!(await p.reload(spec(i), via))) refused++;
          done++;
        }
        const [l, s] = await Promise.all([load, Promise.all(streamRuns)]);
        const after = await settledUsage(p, ctx.settleMs);
        const ok = s.filter((r) => r.intact).length;
        const errs = [...new Set(s.flatMap((r) => (r.error ? [r.error] : [])))];
        return {
          requests: l.requests,
          failed: l.failed,
          intact: { ok, total: s.length },
          before,
          after,
          detail:
            `${done} reloads (weights, targets, a listener; ${viaApi} of them by the API${refused ? `, ${refused} refused` : ''}) ` +
            `under ${s.length} streams of ${(streamBytes / 2 ** 20).toFixed(0)} MB` +
            (errs.length > 0 ? `; stream errors: ${errs.join(', ')}` : ''),
          values: { reloads: done, reloadsByApi: viaApi, reloadsRefused: refused, streamsIntact: ok },
        };
      },
      () => killAll([...web, ...echo]),
    );
  },
};
