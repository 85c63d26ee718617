#!/usr/bin/env node
// `npm run bench:dashboard`: what the dashboard costs at scale (issue 11). See DASHBOARD_USAGE
// and docs/benchmarks.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reexecWithMoreFiles, runProgram } from '../program.js';
import { openFileLimits, procUnits } from '../proc-stats.js';
import { ProcessSet, stopAllOnSignals } from '../procs.js';
import { sleep } from '../workload.js';
import { cpuMeter, pageCost, readStream } from './measure.js';
import { DASHBOARD_USAGE, parseDashboardOptions, type DashboardBenchOptions } from './options.js';
import { churn, holdConnections, startBalancer, startSink } from './setup.js';
import { renderDashboardReport, type DashboardReport } from './report.js';

const OUR_MAIN = fileURLToPath(new URL('../../main.js', import.meta.url));
const log = (line: string): void => {
  process.stderr.write(`bench:dashboard: ${line}\n`);
};

/** Connections one balancer process can hold at this open-file limit (two descriptors each, and the health checks). */
function connectionsWithin(opts: DashboardBenchOptions): number {
  const perProcess = Math.floor((openFileLimits().soft - opts.pools * opts.targets - 500) / 2);
  const processes = opts.workers ?? 1;
  return Math.min(opts.connections, Math.max(0, perProcess * processes));
}

async function run(opts: DashboardBenchOptions, procs: ProcessSet): Promise<DashboardReport> {
  const units = procUnits();
  const dir = mkdtempSync(join(tmpdir(), 'lb-dashboard-bench-'));
  const load = [loadavg()];
  try {
    const connections = connectionsWithin(opts);
    if (connections < opts.connections)
      log(
        `the open-file limit holds ${connections} connections in one process, not ${opts.connections} (try --workers 2)`,
      );
    const sink = await startSink(procs, opts.pools * opts.targets);
    const lb = await startBalancer(procs, opts, OUR_MAIN, dir, sink.ports);
    log(`${opts.pools} pools x ${opts.targets} targets up; opening ${connections} connections`);
    const held = await holdConnections(lb.listenPorts, connections);
    const traffic = churn(lb.listenPorts, opts.churn);
    const { chromium } = await import('playwright-core').catch(() => {
      throw new Error('playwright-core is not installed (a dev dependency: npm install)');
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    try {
      await sleep(2000); // the health checks of every target have run
      log(`phase 1/3: no dashboard, ${opts.seconds} s`);
      const idle = cpuMeter(lb.proc.pid, units);
      await sleep(opts.seconds * 1000);
      const idleCpu = idle();
      log(`phase 2/3: one event stream, ${opts.seconds} s`);
      const stream = await readStream(lb.admin, opts.seconds, { pid: lb.proc.pid, units });
      log(`phase 3/3: the page open, ${opts.seconds} s`);
      const page = await pageCost(browser, lb.admin, opts.pools * opts.targets, opts.seconds, units, lb.proc.pid);
      load.push(loadavg());
      return {
        options: { ...opts, connections },
        connectionsHeld: held.filter((s) => !s.destroyed).length,
        node: process.version,
        loadAverage: load.map((l) => l.map((x) => Math.round(x * 100) / 100)),
        balancerCpuPercent: { idle: idleCpu, stream: stream.balancerCpuPercent, page: page.balancerCpuPercent },
        stream,
        page,
      };
    } finally {
      traffic.stop();
      await browser.close();
      for (const s of held) s.destroy();
    }
  } finally {
    await procs.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseDashboardOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench:dashboard: ${e instanceof Error ? e.message : String(e)}\n\n${DASHBOARD_USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${DASHBOARD_USAGE}\n`);
    return 0;
  }
  reexecWithMoreFiles('bench:dashboard');
  const procs = new ProcessSet();
  stopAllOnSignals(procs, log);
  try {
    const report = await run(opts, procs);
    process.stdout.write(`${renderDashboardReport(report)}\n`);
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    procs.close();
  }
}

runProgram('bench:dashboard', main);
