#!/usr/bin/env node
// `npm run chaos`: the faults of issue 14, on our balancer and on HAProxy; see USAGE and
// docs/reliability.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, peerVersions, which } from '../bench/env-info.js';
import { openFileLimits } from '../bench/proc-stats.js';
import { ProcessSet, stopAllOnSignals } from '../bench/procs.js';
import { makeTlsFiles } from './certs.js';
import { parseOptions, USAGE } from './options.js';
import { runChaos } from './run.js';
import { SCENARIOS } from './scenarios/index.js';
import { renderRunsSummary, summarizeRuns } from './runs-summary.js';
import { renderTable, type ResultRow } from './table.js';

const OUR_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** Idle clients need two descriptors each here (client and in-process backend), and the proxy two. */
const WANTED_FILES = 65_536;

/**
 * Node cannot call setrlimit, but prlimit(1) can change a running process: as root, raise our
 * own limit (the proxies and backends inherit it); otherwise Node already raised soft to hard.
 */
function raiseOpenFiles(log: (l: string) => void): void {
  const { soft } = openFileLimits();
  if (soft >= WANTED_FILES || process.getuid?.() !== 0) return;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${WANTED_FILES}:${WANTED_FILES}`], {
      stdio: 'ignore',
    });
    log(`raised the open-file limit from ${soft} to ${openFileLimits().soft}`);
  } catch {
    log(`the open-file limit stays at ${soft} (prlimit refused: no CAP_SYS_RESOURCE)`);
  }
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`chaos: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string): void => void process.stderr.write(`chaos: ${line}\n`);
  raiseOpenFiles(log);
  if (opts.pin) {
    // This tool is the load (clients and backends): it belongs on the load CPU, as the bench's does.
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(opts.pin.loadCpu), String(process.pid)], { stdio: 'ignore' });
    } catch {
      log('taskset failed: nothing is pinned');
      opts = { ...opts, pin: undefined };
    }
  }
  const procs = new ProcessSet();
  stopAllOnSignals(procs, log);
  const dir = mkdtempSync(join(tmpdir(), 'lb-chaos-'));
  try {
    const haproxy = which('haproxy');
    const tls = await makeTlsFiles(dir).catch(() => undefined);
    if (!tls) log('openssl failed: the TLS flood is left out');
    const m = machine();
    const scenarios = SCENARIOS.filter((s) => opts.only.includes(s.id));
    const started = Date.now();
    const runs: ResultRow[][] = [];
    let failures = 0;
    for (let r = 0; r < opts.runs; r++) {
      if (opts.runs > 1) log(`run ${r + 1} of ${opts.runs}`);
      // Alternate which system goes first: a drift of the machine then favours neither.
      const systems = r % 2 === 0 ? opts.systems : [...opts.systems].reverse();
      const done = await runChaos({
        opts: { ...opts, systems },
        scenarios,
        procs,
        dir,
        ourMain: OUR_MAIN,
        haproxy,
        tls,
        log,
      });
      runs.push(done.rows);
      failures += done.failures;
    }
    const v = peerVersions();
    const header = [
      `machine: ${m.cpu}, ${m.cores} CPUs, Linux ${m.kernel}; load average at start ${m.loadAverage.join(' ')}`,
      `versions: node ${process.version}, haproxy ${v.haproxy ?? 'missing'}; open-file limit ${openFileLimits().soft}`,
      `run: ${opts.short ? '--short' : 'full'}${opts.runs > 1 ? `, ${opts.runs} runs` : ''}, load phases ${opts.scale.loadSeconds} s, ${((Date.now() - started) / 1000).toFixed(0)} s in all; ${opts.pin ? `proxies on CPU ${opts.pin.proxyCpu} (--workers 2 unpinned), this tool on CPU ${opts.pin.loadCpu}` : 'unpinned'}`,
    ];
    const tables =
      runs.length === 1
        ? renderTable(runs[0]!)
        : [
            `Over ${runs.length} runs, median (min–max):\n\n${renderRunsSummary(summarizeRuns(runs), runs.length)}`,
            ...runs.map((rows, i) => `Run ${i + 1}:\n\n${renderTable(rows)}`),
          ].join('\n\n');
    process.stdout.write(`${header.join('\n')}\n\n${tables}\n`);
    if (opts.json) {
      const rows = runs.length === 1 ? { rows: runs[0] } : { runs };
      writeFileSync(opts.json, `${JSON.stringify({ machine: m, versions: v, options: opts, ...rows }, null, 2)}\n`);
    }
    return failures > 0 ? 1 : 0;
  } finally {
    await procs.stopAll();
    procs.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`chaos: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
