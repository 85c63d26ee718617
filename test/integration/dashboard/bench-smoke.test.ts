import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DashboardReport } from '../../../src/bench/dashboard/report.js';
import { requireProgram } from '../../helpers/programs.js';

const run = promisify(execFile);
const BENCH = fileURLToPath(new URL('../../../dist/bench/dashboard/main.js', import.meta.url));

// Speed is never asserted here: only that every phase ran and produced sane figures. Phases of 3 s:
// the stream phase must see a periodic stats event (about one a second) after the snapshot, on a loaded CI too.
test(
  'npm run bench:dashboard, a tiny run: every phase measured, the table printed',
  { timeout: 120_000 },
  async (t) => {
    if (!requireProgram(t, 'chromium')) return;
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-bench-smoke-'));
    try {
      const json = join(dir, 'out.json');
      const args = ['--pools', '2', '--targets', '3', '--connections', '30', '--churn', '10', '--seconds', '3'];
      const { stdout } = await run(process.execPath, [BENCH, ...args, '--json', json], { timeout: 110_000 });
      assert.match(stdout, /2 pools x 3 targets, 30 connections held/);
      for (const row of [
        'balancer CPU, the page open',
        'event stream: sent a second after it',
        'page: main thread busy',
      ])
        assert.match(stdout, new RegExp(`\\| ${row} +\\|`), `${row} in\n${stdout}`);
      const r = JSON.parse(readFileSync(json, 'utf8')) as DashboardReport;
      assert.equal(r.connectionsHeld, 30);
      assert.ok(r.stream.snapshotBytes > 1000, `snapshot ${r.stream.snapshotBytes} B`);
      assert.ok(r.stream.statsEvents >= 1 && r.stream.bytesPerSecond > 0, JSON.stringify(r.stream));
      assert.ok(r.page.loadMs > 0 && r.page.mainThreadPercent > 0, JSON.stringify(r.page));
      for (const v of Object.values(r.balancerCpuPercent)) assert.ok(Number.isFinite(v) && v >= 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
