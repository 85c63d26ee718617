// 9,000 idle clients plus a slowloris pattern: keep-alive p99 latency without them and with them
// held open, and what holding them costs the proxy (memory and descriptors at the peak).
import { killAll } from '../backends.js';
import { percentile, runLoad } from '../http-client.js';
import { openIdle, openSlowloris } from '../idle-clients.js';
import { webSetup, settledUsage, steadyUsage, withProxy, type Scenario } from '../scenario.js';

/** Each idle client costs us two descriptors (client and backend side): keep a margin. */
export const idleCount = (wanted: number, nofile: number): number =>
  Math.max(10, Math.min(wanted, Math.floor((nofile - 2000) / 2)));

export const idleSlowloris: Scenario = {
  id: 'idle-slowloris',
  run: async (ctx) => {
    const { backends, port, spec } = await webSetup(2);
    const idle = idleCount(ctx.scale.idleClients, ctx.nofile);
    const seconds = ctx.scale.loadSeconds / 2;
    const probe = { port: port, concurrency: 8, seconds, keepAlive: true };
    return withProxy(
      () => ctx.start(spec),
      async (p) => {
        const before = await settledUsage(p, ctx.settleMs / 3);
        const quiet = await runLoad(probe);
        const idlers = await openIdle(port, idle);
        const slow = openSlowloris(port, ctx.scale.slowlorisClients, 100);
        try {
          await steadyUsage(p, 20_000); // every connection accepted and connected to its backend
          const busy = await runLoad(probe);
          const peak = p.usage();
          const held = idlers.open();
          const slowHeld = slow.open();
          idlers.close();
          slow.close();
          const after = await settledUsage(p, ctx.settleMs);
          const p99a = percentile(quiet.latenciesMs, 99) ?? NaN;
          const p99b = percentile(busy.latenciesMs, 99) ?? NaN;
          const perConn = (peak.rssBytes - before.rssBytes) / Math.max(1, held + slowHeld);
          return {
            requests: quiet.requests + busy.requests,
            failed: quiet.failed + busy.failed,
            before,
            after,
            detail:
              `keep-alive p99 ${p99a.toFixed(1)} ms alone, ${p99b.toFixed(1)} ms beside ${held}/${idle} idle + ` +
              `${slowHeld}/${ctx.scale.slowlorisClients} slowloris; peak ${(peak.rssBytes / 2 ** 20).toFixed(0)} MB, ` +
              `${peak.fds} fds (${(perConn / 1024).toFixed(1)} KB a connection)`,
            values: {
              p99AloneMs: p99a,
              p99WithIdleMs: p99b,
              idleHeld: held,
              idleWanted: idle,
              slowHeld,
              peakRss: peak.rssBytes,
              peakFds: peak.fds,
            },
          };
        } finally {
          idlers.close();
          slow.close();
        }
      },
      () => killAll(backends),
    );
  },
};
