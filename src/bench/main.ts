#!/usr/bin/env node
// `npm run bench`: our balancer against HAProxy and nginx, see USAGE and docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE } from './options.js';
import { reexecWithMoreFiles, runProgram } from './program.js';
import { openFileLimits } from './proc-stats.js';
import { ProcessSet, stopAllOnSignals } from './procs.js';
import { renderReport, writeJson } from './report.js';
import { runBench } from './run-bench.js';

const OUR_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

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
  reexecWithMoreFiles('bench');
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

runProgram('bench', main);
