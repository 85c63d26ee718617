// Backend churn: one of three backends killed for 1 s every 2 s, in turn, under a closed-loop
// load of new connections (wrk -c32 -H 'Connection: close') or of keep-alive connections.
import { killAll, killsOf } from '../backends.js';
import { describeFailures, summarize } from '../failures.js';
import { percentile, runLoad, type Outcome } from '../http-client.js';
import { ratesAround, type Window } from '../rates.js';
import { webSetup, settledUsage, sleep, withProxy, type Scenario, type ScenarioContext } from '../scenario.js';

const perSec = (v: number | undefined): string => (v === undefined ? '–' : String(Math.round(v)));

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
      // performance.now() of every kill to its restart, and of every reply (bounded).
      const down: Window[] = [];
      const done: number[] = [];
      const loadEnd = Date.now() + ctx.scale.loadSeconds * 1000;
      const chaos = (async () => {
        for (let i = 0; !stop; i++) {
          await sleep(periodMs - downMs);
          // A backend restarted after the load could not show how fast it is back in rotation.
          if (stop || Date.now() + downMs + 300 > loadEnd) break;
          const b = backends[i % backends.length]!;
          const ms = b.backInRotationMs(); // of its previous restart
          if (ms !== undefined) backInRotation.push(ms);
          const from = performance.now();
          b.kill();
          kills++;
          await sleep(downMs);
          await b.restart();
          down.push({ from, to: performance.now() });
        }
      })();
      const failures: Outcome[] = [];
      const reconnects: number[] = [];
      const t0 = performance.now();
      const cpu0 = p.usage().cpuSec;
      const tool0 = process.cpuUsage(); // this process: the clients and the backends
      const load = await runLoad({
        port: port,
        concurrency: ctx.scale.concurrency,
        seconds: ctx.scale.loadSeconds,
        keepAlive,
        onOutcome: (o) => {
          if (!o.ok && failures.length < 100_000) failures.push(o);
          if (o.ok && done.length < 5_000_000) done.push(o.sentAt + o.ms);
          // A keep-alive loop's first request after a failure (not the first connections of the
          // load: no failure before the first kill): the cost of reconnecting.
          const reconnect = keepAlive && o.ok && o.via === undefined && failures.length > 0;
          if (reconnect && reconnects.length < 100_000) reconnects.push(o.ms);
        },
      });
      const cpu = p.usage().cpuSec - cpu0; // the proxy's whole tree, over the load
      const tool = process.cpuUsage(tool0);
      const toolSec = (tool.user + tool.system) / 1e6;
      const rates = ratesAround(done, down, t0, t0 + ctx.scale.loadSeconds * 1000);
      stop = true;
      await chaos;
      for (const b of backends) {
        const ms = b.backInRotationMs(Math.min(Date.now(), loadEnd));
        if (ms !== undefined) backInRotation.push(ms);
      }
      const after = await settledUsage(p, ctx.settleMs);
      const med = percentile(backInRotation, 50);
      const reconnected = percentile(reconnects, 50);
      const rate = load.requests / ctx.scale.loadSeconds;
      const why = summarize(failures, killsOf(backends));
      const atKill = why.byClass['in-flight'] + why.byClass.held;
      const recovered = med === undefined ? '–' : `${Math.round(med)} ms`;
      return {
        requests: load.requests,
        failed: load.failed,
        failedAtKill: atKill,
        ...(med !== undefined ? { recoveryMs: med } : {}),
        before,
        after,
        detail:
          `${kills} kills; ${Math.round(rate)} req/s (${perSec(rates.outside)} with every backend up, ` +
          `${perSec(rates.inside)} with one down); a restarted backend served again after ${recovered} (median); ` +
          `failed: ${describeFailures(why)}` +
          `; proxy CPU ${Math.round((cpu / ctx.scale.loadSeconds) * 100)}% of a core, ` +
          `${load.requests > 0 ? ((cpu / load.requests) * 1e6).toFixed(1) : '–'} µs a request ` +
          `(clients and backends: ${Math.round((toolSec / ctx.scale.loadSeconds) * 100)}%)` +
          (kills > 0 ? `; ${(atKill / kills).toFixed(1)} lost a kill` : '') +
          (reconnected === undefined ? '' : `; a reconnection's first reply in ${reconnected.toFixed(1)} ms (median)`),
        values: {
          kills,
          requestsPerSecond: rate,
          requestsPerSecondAllUp: rates.outside ?? 0,
          requestsPerSecondOneDown: rates.inside ?? 0,
          backInRotationMaxMs: Math.max(0, ...backInRotation),
          failedInFlight: why.byClass['in-flight'],
          failedHeld: why.byClass.held,
          failedNew: why.byClass.new,
          proxyCpuSeconds: cpu,
          toolCpuSeconds: toolSec,
          ...(reconnected !== undefined ? { reconnectMedianMs: reconnected, reconnects: reconnects.length } : {}),
        },
      };
    },
    () => killAll(backends),
  );
}

export const churnClose: Scenario = { id: 'churn-close', run: (ctx) => churn(ctx, false) };
export const churnKeepAlive: Scenario = { id: 'churn-keepalive', run: (ctx) => churn(ctx, true) };
