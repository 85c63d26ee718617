// Backend churn: one of three backends killed for 1 s every 2 s, in turn, under a closed-loop
// load of new connections (wrk -c32 -H 'Connection: close') or of keep-alive connections.
import { killAll } from '../backends.js';
import { percentile, runLoad } from '../http-client.js';
import { webSetup, settledUsage, sleep, withProxy, type Scenario, type ScenarioContext } from '../scenario.js';

async function churn(ctx: ScenarioContext, keepAlive: boolean) {
  const { backends, port, spec } = await webSetup(3);
  const downMs = ctx.short ? 300 : 1000;
  const periodMs = ctx.short ? 600 : 2000;
  return withProxy(
    () => ctx.start(spec),
    async (p) => {
      const before = await settledUsage(p, ctx.settleMs / 3);
      let stop = false;
      let kills = 0;
      const backInRotation: number[] = [];
      const loadEnd = Date.now() + ctx.scale.loadSeconds * 1000;
      const chaos = (async () => {
        for (let i = 0; !stop; i++) {
          await sleep(periodMs - downMs);
          // A backend restarted after the load could not show how fast it is back in rotation.
          if (stop || Date.now() + downMs + 300 > loadEnd) break;
          const b = backends[i % backends.length]!;
          const ms = b.backInRotationMs(); // of its previous restart
          if (ms !== undefined) backInRotation.push(ms);
          b.kill();
          kills++;
          await sleep(downMs);
          await b.restart();
        }
      })();
      const load = await runLoad({
        port: port,
        concurrency: ctx.scale.concurrency,
        seconds: ctx.scale.loadSeconds,
        keepAlive,
      });
      stop = true;
      await chaos;
      for (const b of backends) {
        const ms = b.backInRotationMs(Math.min(Date.now(), loadEnd));
        if (ms !== undefined) backInRotation.push(ms);
      }
      const after = await settledUsage(p, ctx.settleMs);
      const med = percentile(backInRotation, 50);
      const rate = load.requests / ctx.scale.loadSeconds;
      return {
        requests: load.requests,
        failed: load.failed,
        ...(med !== undefined ? { recoveryMs: med } : {}),
        before,
        after,
        detail: `${kills} kills; ${Math.round(rate)} req/s; a restarted backend served again after ${med === undefined ? '–' : `${Math.round(med)} ms`} (median)`,
        values: { kills, requestsPerSecond: rate, backInRotationMaxMs: Math.max(0, ...backInRotation) },
      };
    },
    () => killAll(backends),
  );
}

export const churnClose: Scenario = { id: 'churn-close', run: (ctx) => churn(ctx, false) };
export const churnKeepAlive: Scenario = { id: 'churn-keepalive', run: (ctx) => churn(ctx, true) };
