import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_IDS } from '../../src/chaos/options.js';
import { requireProgram } from '../helpers/programs.js';

const CHAOS = fileURLToPath(new URL('../../dist/chaos/main.js', import.meta.url));

/** Processes (anywhere on the machine) whose environment carries `marker`. */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(marker)) out.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

interface JsonRow {
  scenario: string;
  system: string;
  figures?: { detail: string; requests?: number; before?: { rssBytes: number } };
  note?: string;
}

// Figures are never asserted here (a loaded CI machine): only that every scenario ran on every
// system, the tool exited 0, and nothing it started outlived it.
test(
  'npm run chaos -- --short runs every scenario on ours and HAProxy and leaves no process',
  { timeout: 200_000 },
  async (t) => {
    if (!requireProgram(t, 'haproxy') || !requireProgram(t, 'prlimit', 'util-linux')) return;
    const dir = mkdtempSync(join(tmpdir(), 'chaos-smoke-'));
    // Every process the tool starts inherits its environment: the marker finds any left behind.
    const marker = `LB_CHAOS_SMOKE=${randomUUID()}`;
    try {
      const json = join(dir, 'chaos.json');
      const started = Date.now();
      const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
        const child = execFile(
          process.execPath,
          [CHAOS, '--short', '--json', json],
          { timeout: 180_000, killSignal: 'SIGTERM', env: { ...process.env, LB_CHAOS_SMOKE: marker.split('=')[1] } },
          (_err, out, err) => resolve({ stdout: `${out}\n${err}`, code: child.exitCode }),
        );
      });
      t.diagnostic(`chaos --short took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(code, 0, stdout);
      for (const id of SCENARIO_IDS) {
        assert.match(stdout, new RegExp(`^\\| ${id} +\\| ours `, 'm'), `row ${id} ours\n${stdout}`);
        assert.match(stdout, new RegExp(`^\\| ${id} +\\| HAProxy `, 'm'), `row ${id} HAProxy\n${stdout}`);
      }
      const rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: JsonRow[] }).rows;
      assert.equal(rows.length, SCENARIO_IDS.length * 2);
      for (const r of rows) {
        if (r.scenario === 'worker-kill' && r.system === 'HAProxy') {
          assert.match(r.note ?? '', /not applicable/);
          continue;
        }
        assert.ok(r.figures, `${r.scenario} on ${r.system}: ${r.note}`);
        assert.ok((r.figures.before?.rssBytes ?? 0) > 0, `${r.scenario} on ${r.system}: no memory figure`);
        assert.ok((r.figures.requests ?? 1) > 0, `${r.scenario} on ${r.system}: no request made`);
      }
      assert.deepEqual(processesWith(marker), [], 'processes left behind');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
