// Runs the chosen scenarios on each system in turn and collects one row per pair.
import { openFileLimits, procUnits } from '../bench/proc-stats.js';
import type { ProcessSet } from '../bench/procs.js';
import type { TlsFiles } from './configs.js';
import type { ChaosOptions } from './options.js';
import { launch, type SystemId } from './proxies.js';
import type { Scenario } from './scenario.js';
import type { ResultRow } from './table.js';

export interface RunEnv {
  readonly opts: ChaosOptions;
  readonly scenarios: readonly Scenario[];
  readonly procs: ProcessSet;
  readonly dir: string;
  readonly ourMain: string;
  readonly haproxy: string | undefined;
  readonly tls: TlsFiles | undefined;
  log(line: string): void;
}

/** A scenario that takes longer than this is abandoned (and its processes stopped). */
const capMs = (o: ChaosOptions): number => (o.scale.soakSeconds + 4 * o.scale.loadSeconds) * 1000 + 90_000;

export async function runChaos(env: RunEnv): Promise<{ rows: ResultRow[]; failures: number }> {
  const units = procUnits();
  const rows: ResultRow[] = [];
  let failures = 0;
  for (const scenario of env.scenarios) {
    for (const system of env.opts.systems as readonly SystemId[]) {
      const row = { scenario: scenario.id, system: system === 'lb' ? 'ours' : 'HAProxy' };
      if (scenario.systems && !scenario.systems.includes(system)) {
        rows.push({ ...row, note: 'not applicable (no equivalent)' });
        continue;
      }
      if (system === 'haproxy' && !env.haproxy) {
        rows.push({ ...row, note: 'HAProxy not installed (apt-get install haproxy)' });
        continue;
      }
      env.log(`${scenario.id} on ${row.system}`);
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`did not finish within ${capMs(env.opts) / 1000} s`)),
            capMs(env.opts),
          );
        });
        const figures = await Promise.race([
          scenario.run({
            system,
            scale: env.opts.scale,
            short: env.opts.short,
            nofile: openFileLimits().soft,
            tls: env.tls,
            settleMs: env.opts.short ? 300 : 1000,
            start: (spec, o) =>
              launch(
                {
                  procs: env.procs,
                  dir: env.dir,
                  units,
                  ourMain: env.ourMain,
                  haproxy: env.haproxy,
                  proxyCpu: env.opts.pin?.proxyCpu,
                },
                system,
                spec,
                o,
              ),
            log: (line) => env.log(`  ${line}`),
          }),
          timeout,
        ]);
        rows.push({ ...row, figures });
      } catch (e) {
        failures++;
        const msg = e instanceof Error ? e.message : String(e);
        env.log(`  FAILED: ${msg}`);
        const lines = msg.split('\n');
        const why = lines.find((l) => /ALERT|Error|error/.test(l)) ?? lines[0]!;
        rows.push({ ...row, note: `FAILED: ${why.trim().slice(0, 200)}` });
      } finally {
        clearTimeout(timer);
        await env.procs.stopAll(); // nothing of one scenario survives into the next
      }
      env.log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  return { rows, failures };
}
