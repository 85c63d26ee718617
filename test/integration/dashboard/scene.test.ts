import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, targetRow, waitForText } from '../../helpers/browser.js';
import { startScene, waitForScene } from '../../helpers/dashboard-scene.js';
import { eventually } from '../../helpers/net.js';

// The README's scene (scripts/dashboard-screenshot.ts) as a test: it still plays, the page shows
// it, and on a laptop's window every column and action of the targets is in view.

const WIDTHS = [1200, 1280, 1366, 1440, 1920];

test("dashboard: the README's scene shows (draining with connections, DOWN, maintenance, a reload; per target rates, bytes, connect time, last check; charts; open connections), nothing loaded from elsewhere, every action in view at 1200-1920 px", async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const scene = await startScene();
  t.after(() => scene.stop());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  await page.goto(`${scene.url}/`);
  await page.waitForSelector('#link[data-link="live"]', { timeout: 30_000 });
  await scene.play(8);
  await waitForScene(page, scene);
  const away = requested.filter((u) => !u.startsWith(`${scene.url}/`));
  assert.deepEqual(away, [], 'the page loads nothing from elsewhere (uPlot comes from the package)');
  assert.ok(requested.some((u) => u.endsWith('/ui/vendor/uplot.js')));

  // Per target, as the traffic of the scene goes on: connections per second, bytes per second
  // each way, the connect time and result of the last check; a chart per pool.
  const busy = await eventually(
    async () => {
      for (const row of await page.locator('section.pool[data-pool="web"] tr.target[data-state="ready"]').all()) {
        const cells = await row.locator('td.rate, td.in, td.out, td.latency').allTextContents();
        if (cells[0] !== '0' && !cells[1]!.startsWith('0 ') && !cells[2]!.startsWith('0 ')) return { row, cells };
      }
      return undefined;
    },
    30_000,
    'a web target with traffic on the page',
  );
  assert.match(busy.cells[0]!, /^\d+(\.\d)?$/, `conn/s ${busy.cells[0]}`);
  for (const c of busy.cells.slice(1, 3)) assert.match(c, /^\d+(\.\d)? [KM]?B\/s$/, `bytes/s ${c}`);
  assert.match(busy.cells[3]!, /^\d+(\.\d+)? ms$/, `connect ${busy.cells[3]}`);
  assert.match((await busy.row.locator('.why').textContent()) ?? '', /last check ok/);
  const down = page.locator(targetRow('web', scene.down));
  assert.match(
    (await down.locator('.why').textContent()) ?? '',
    /after 2 failed (checks|connections): connect ECONNREFUSED/,
  );
  assert.equal((await page.locator('section.pool .chart canvas').count()) >= 3, true, 'a chart per pool');

  // The open connections of the draining target, on demand: its two held ones.
  await page.click(`${targetRow('web', scene.draining)} button.link-button`);
  await waitForText(page, '#conn-count', '(2)', 45_000);
  assert.equal(await page.locator('#connections tbody tr').count(), 2);
  assert.equal((await page.locator('#detail-chart canvas').count()) >= 1, true, "the target's own chart");
  await page.click('#detail-close');

  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // Measured in the page (a string: this Node project does not load the DOM's types).
    const layout = await page.evaluate<{ overflow: number[]; buttons: number; cut: number }>(`(() => {
      const wraps = [...document.querySelectorAll('.targets-wrap')];
      const buttons = [...document.querySelectorAll('tr.target button.act')];
      const right = Math.min(...wraps.map((w) => w.getBoundingClientRect().right));
      return {
        overflow: wraps.map((w) => w.scrollWidth - w.clientWidth),
        buttons: buttons.length,
        cut: buttons.filter((b) => b.getBoundingClientRect().right > right + 0.5).length,
      };
    })()`);
    assert.deepEqual(layout.overflow, [0, 0, 0], `${width} px: no table scrolls sideways`);
    assert.equal(layout.buttons, 4 * 10, `${width} px: 4 actions on each of the 10 targets`);
    assert.equal(layout.cut, 0, `${width} px: no action cut off`);
  }
  const shot = join(mkdtempSync(join(tmpdir(), 'lb-dashboard-')), 'scene.png');
  await page.screenshot({ path: shot, fullPage: true });
  process.stderr.write(`screenshot: ${shot}\n`);
  await page.close();
});
