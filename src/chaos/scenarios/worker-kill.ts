// A worker killed (SIGKILL) under load with `--workers 2`: requests failed, and how long until the
// primary has two workers again. HAProxy 2.6 has no equivalent (one process, threads).
import { readFileSync } from 'node:fs';
import { processTree, statFields } from '../../bench/proc-stats.js';
import { killAll } from '../backends.js';
import { runLoad } from '../http-client.js';
import { webSetup, settledUsage, sleep, withProxy, type Scenario } from '../scenario.js';

const WORKERS = 2;

const parentOf = (pid: number): number | undefined => {
  try {
    return Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[1]);
  } catch {
    return undefined; // gone
  }
};

/**
 * The primary under `root` and its workers, once it has `n`: the process with `n` children that
 * have none. Under a supervisor (the default) the primary is a generation, a child of the started
 * process; without one it is the started process.
 */
export function primaryOf(root: number, n: number): { primary: number; workers: number[] } | undefined {
  const tree = processTree(root);
  const parents = new Map(tree.map((pid) => [pid, parentOf(pid)]));
  const childrenOf = (pid: number): number[] => tree.filter((q) => parents.get(q) === pid);
  for (const pid of tree) {
    const workers = childrenOf(pid);
    if (workers.length === n && workers.every((w) => childrenOf(w).length === 0)) return { primary: pid, workers };
  }
  return undefined;
}

async function waitForWorkers(root: number, n: number, capMs: number) {
  const end = Date.now() + capMs;
  while (Date.now() < end) {
    const found = primaryOf(root, n);
    if (found) return found;
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
        const tree = await waitForWorkers(p.pid, WORKERS, 20_000);
        if (!tree) throw new Error(`the primary did not start ${WORKERS} workers`);
        const before = await settledUsage(p, ctx.settleMs / 3);
        const half = Math.max(1, ctx.scale.concurrency / 2);
        const loads = [true, false].map((keepAlive) => runLoad({ port: port, concurrency: half, seconds, keepAlive }));
        await sleep((seconds * 1000) / 3);
        const victim = tree.workers.at(-1)!;
        const killedAt = Date.now();
        process.kill(victim, 'SIGKILL');
        let replaced: number | undefined;
        const end = killedAt + 20_000;
        while (Date.now() < end) {
          const t = primaryOf(p.pid, WORKERS);
          if (t && t.primary === tree.primary && !t.workers.includes(victim)) {
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
