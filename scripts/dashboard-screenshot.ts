// `npm run screenshot:dashboard`: writes the README's picture of the dashboard (docs/dashboard.png)
// from the page as it is now, with a balancer in a realistic state (test/helpers/dashboard-scene.ts):
// three pools, held connections and traffic, a target draining, one DOWN, one in maintenance, a
// reload, the timeline of it all. Needs Debian's chromium. Takes about 40 s.
//   --out FILE      where to write the PNG (default docs/dashboard.png)
//   --seconds N     how long the scene plays, traffic included (default 25; the charts fill as it goes)
//   --width PX      the window's width (default 1200: legible when the README scales it down)
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/helpers/browser.js';
import { startScene, waitForScene } from '../test/helpers/dashboard-scene.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('../docs/dashboard.png', import.meta.url).pathname },
    seconds: { type: 'string', default: '25' },
    width: { type: 'string', default: '1200' },
  },
});
const seconds = Number(values.seconds);
const width = Number(values.width);
if (!Number.isFinite(seconds) || seconds < 8 || seconds > 300) throw new Error('--seconds: give 8 to 300');
if (!Number.isInteger(width) || width < 800 || width > 3000) throw new Error('--width: give 800 to 3000');
if (!existsSync('/usr/bin/chromium')) throw new Error('no /usr/bin/chromium: apt-get install chromium');

const browser = await launchChromium();
const scene = await startScene();
try {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${scene.url}/`);
  await page.waitForSelector('#link[data-link="live"]', { timeout: 30_000 });
  await scene.play(seconds);
  await waitForScene(page, scene); // the picture shows what the scene did, or it is not taken
  // The whole page in the window: a chart off screen is not drawn (charts.js), and fullPage does not scroll.
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  await page.setViewportSize({ width, height });
  const stats = Number(await page.getAttribute('#link', 'data-stats'));
  await page.waitForSelector(`#link:not([data-stats="${stats}"])`, { timeout: 30_000 }); // one more stats event: drawn
  // Toasts of the last changes would hide part of the page: they are not what it shows at rest.
  await page.evaluate('document.getElementById("toasts").replaceChildren()');
  await page.screenshot({ path: values.out, fullPage: true });
  process.stdout.write(`wrote ${values.out}\n`);
} finally {
  await browser.close();
  await scene.stop();
}
