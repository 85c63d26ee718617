// A worker killed (SIGKILL) under load with `--workers 2`: requests failed, and how long until the
// primary has two workers again. HAProxy 2.6 has no equivalent (one process, threads).
import { processTree } from '../../bench/proc-stats.js';
import { killAll } from '../backends.js';
import { runLoad } from '../http-client.js';
import { webSetup, settledUsage, sleep, withProxy, type Scenario } from '../scenario.js';

const WORKERS = 2;

/** Waits until the tree under `root` counts `n` processes; returns the pids or undefined on timeout. */
async function waitForTree(root: number, n: number, capMs: number): Promise<number[] | undefined> {
  const end = Date.now() + capMs;
  while (Date.now() < end) {
    const t = processTree(root);
    if (t.length === n) return t;
    await sleep(10);
  }
  return undefined;
}

export const workerKill: Scenario = {
  id: 'worker-kill',
  systems: ['lb'],
  run: async (ctx) => {
    const { backends, port, spec } = await webSetup(3);
    const seconds = Math.max(1.5, ctx.scale.loadSeconds);
    return withProxy(
      () => ctx.start(spec, { workers: WORKERS }),
      async (p) => {
        const tree = await waitForTree(p.pid, WORKERS + 1, 20_000);
        if (!tree) throw new Error(`the primary did not start ${WORKERS} workers`);
        const before = await settledUsage(p, ctx.settleMs / 3);
        const half = Math.max(1, ctx.scale.concurrency / 2);
        const loads = [true, false].map((keepAlive) => runLoad({ port: port, concurrency: half, seconds, keepAlive }));
        await sleep((seconds * 1000) / 3);
        const victim = tree[tree.length - 1]!;
        const killedAt = Date.now();
        process.kill(victim, 'SIGKILL');
        let replaced: number | undefined;
        const end = killedAt + 20_000;
        while (Date.now() < end) {
          const t = processTree(p.pid);
          if (!t.includes(victim) && t.length === WORKERS + 1) {
            replaced = Date.now() - killedAt;
            break;
          }
          await sleep(10);
        }
        const [ka, nc] = await Promise.all(loads);
        const after = await settledUsage(p, ctx.settleMs);
        return {
          requests: ka!.requests + nc!.requests,
          failed: ka!.failed + nc!.failed,
          ...(replaced !== undefined ? { recoveryMs: replaced } : {}),
          before,
          after,
          detail:
            `a worker SIGKILLed ${((seconds * 1000) / 3 / 1000).toFixed(1)} s into the load; ` +
            (replaced === undefined ? 'not replaced within 20 s; ' : `replaced in ${replaced} ms; `) +
            `failed: ${ka!.failed} keep-alive, ${nc!.failed} new-connection requests`,
          values: { keepAliveFailed: ka!.failed, newConnFailed: nc!.failed },
        };
      },
      () => killAll(backends),
    );
  },
};
