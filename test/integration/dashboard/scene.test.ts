import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../../helpers/browser.js';
import { startScene, waitForScene } from '../../helpers/dashboard-scene.js';

// The README's scene (scripts/dashboard-screenshot.ts) as a test: it still plays, the page shows
// it, and on a laptop's window every column and action of the targets is in view.

const WIDTHS = [1200, 1280, 1366, 1440, 1920];

test("dashboard: the README's scene shows (draining with connections, DOWN, maintenance, a reload), and every target's actions are in view at 1200-1920 px", async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const scene = await startScene();
  t.after(() => scene.stop());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${scene.url}/`);
  await page.waitForSelector('#link[data-link="live"]', { timeout: 30_000 });
  await scene.play(8);
  await waitForScene(page, scene);

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
