// The two-backend flip (issue 14, defect 1): A and B; kill A and send requests; then restart A
// and kill B at once. Counts the failures of 10 requests sent right after the flip, then goes on
// until requests succeed again (the recovery time).
import { killAll, startBackends } from '../backends.js';
import { requestOnce } from '../http-client.js';
import { ports, recoveryFrom, settledUsage, sleep, withProxy, type Scenario } from '../scenario.js';

const FIRST = 10;
const STABLE = 5; // successes in a row that end the watch

export const flip: Scenario = {
  id: 'flip',
  run: async (ctx) => {
    const [a, b] = await startBackends('', 'http', 2);
    const [port] = await ports(1);
    const spec = {
      listeners: [{ name: 'web', port: port!, pool: 'web' }],
      pools: [{ name: 'web', targets: [{ port: a!.port }, { port: b!.port }] }],
    };
    const beforeMs = ctx.short ? 300 : 2000;
    const capMs = ctx.short ? 3000 : 10_000;
    return withProxy(
      () => ctx.start(spec),
      async (p) => {
        const before = await settledUsage(p, ctx.settleMs / 3);
        a!.kill();
        let phase1 = 0;
        let phase1Failed = 0;
        for (const end = Date.now() + beforeMs; Date.now() < end; phase1++) {
          if (!(await requestOnce(port!, 3000)).ok) phase1Failed++;
          await sleep(20);
        }
        await a!.restart();
        b!.kill();
        const flipAt = Date.now();
        const records: { at: number; ok: boolean }[] = [];
        for (let i = 0; i < FIRST; i++) records.push({ ok: (await requestOnce(port!, 3000)).ok, at: Date.now() });
        let streak = 0;
        while (streak < STABLE && Date.now() - flipAt < capMs) {
          await sleep(20);
          const ok = (await requestOnce(port!, 3000)).ok;
          records.push({ ok, at: Date.now() });
          streak = ok ? streak + 1 : 0;
        }
        const firstFailed = records.slice(0, FIRST).filter((r) => !r.ok).length;
        const failed = records.filter((r) => !r.ok).length;
        const recovery = streak >= STABLE ? recoveryFrom(records, flipAt) : undefined;
        const after = await settledUsage(p, ctx.settleMs);
        return {
          requests: records.length,
          failed,
          ...(recovery !== undefined ? { recoveryMs: recovery } : {}),
          before,
          after,
          detail:
            `${firstFailed} of the first ${FIRST} after the flip failed; ` +
            (recovery === undefined ? `not recovered within ${capMs / 1000} s; ` : '') +
            `before it, with A down: ${phase1Failed} of ${phase1} failed`,
          values: { firstFailed, phase1Requests: phase1, phase1Failed },
        };
      },
      () => killAll([a!, b!]),
    );
  },
};
