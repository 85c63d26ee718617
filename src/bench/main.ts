#!/usr/bin/env node
// `npm run bench`: our balancer against HAProxy and nginx, see USAGE and docs/benchmarks.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './options.js';
import { openFileLimits } from './proc-stats.js';
import { ProcessSet, stopAllOnSignals } from './procs.js';
import { renderReport, writeJson } from './report.js';
import { runBench } from './run-bench.js';

const OUR_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/**
 * Node cannot raise its own open-file limit: when the soft limit is below the hard one, run the
 * bench again under `ulimit -n <hard>` (the proxies and backends inherit it).
 */
function reexecWithMoreFiles(): void {
  const { soft, hard } = openFileLimits();
  if (soft >= hard || process.env.LB_BENCH_NOFILE_RAISED) return;
  process.stderr.write(`bench: raising the open-file limit from ${soft} to ${hard}\n`);
  const r = spawnSync(
    '/bin/sh',
    ['-c', `ulimit -n ${hard} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, LB_BENCH_NOFILE_RAISED: '1' } },
  );
  process.exit(r.status ?? 1);
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2), process.env, cpus().length);
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  reexecWithMoreFiles();
  if (opts.loadCpu !== undefined) {
    // The bench itself (idle connections, slow readers) is load: it belongs on the load CPU.
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(opts.loadCpu), String(process.pid)], { stdio: 'ignore' });
    } catch {
      process.stderr.write('bench: taskset failed: the bench process is not pinned\n');
    }
  }
  const procs = new ProcessSet();
  stopAllOnSignals(procs, (line) => process.stderr.write(`\nbench: ${line}\n`));
  try {
    const report = await runBench({
      opts,
      procs,
      ourMain: OUR_MAIN,
      nofile: openFileLimits().soft,
      log: (line) => process.stderr.write(`bench: ${line}\n`),
    });
    process.stdout.write(`${renderReport(report)}\n`);
    if (opts.json) writeJson(opts.json, report);
    return 0;
  } finally {
    procs.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
