import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../../src/config/schema.js';
import { launchBrowser, targetRow, waitForText } from '../../helpers/browser.js';
import { http } from '../../helpers/http.js';
import { namedEcho, open, type Conn } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { startStack } from '../../helpers/stack.js';

const HELD = 3;

test('dashboard: connections held across a config reload stay on the page, nothing resets, the page is not reloaded', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  let cfg: ConfigInput = {
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [a.address] } },
  };
  const s = await startStack(cfg, { load: () => cfg });
  const conns: Conn[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${s.url}/`);
    const rowA = targetRow('web', a.address);
    await page.waitForSelector(`${rowA}[data-state="ready"]`, { timeout: 20_000 });
    for (let i = 0; i < HELD; i++) conns.push(await open(s.port()));
    assert.deepEqual(
      conns.map((c) => c.name),
      Array<string>(HELD).fill('A'),
    );
    await page.waitForSelector(`${rowA}[data-active="${HELD}"]`, { timeout: 20_000 });
    await waitForText(page, 'tr[data-listener="main"] td.active', String(HELD));
    // From here on, every value the row's data-active takes is recorded: a reset would show.
    // (A string: the function runs in the page, whose DOM types this Node project does not load.)
    await page.evaluate(`(() => {
      window.marker = 'same page';
      window.activeSeen = [];
      const row = document.querySelector(${JSON.stringify(rowA)});
      new MutationObserver(() => window.activeSeen.push(row.getAttribute('data-active') ?? '?')).observe(row, {
        attributes: true,
        attributeFilter: ['data-active'],
      });
    })()`);
    const totalBefore = await page.getAttribute(rowA, 'title');

    // The reload changes the pool (algorithm, a second target) and the listener (a limit).
    cfg = {
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web', maxConnections: 100 } },
      pools: { web: { algorithm: 'least-connections', targets: [a.address, b.address] } },
    };
    const r = await http(`${s.url}/api/reload`, { method: 'POST' });
    assert.equal(r.status, 200, r.text);
    await page.waitForSelector('#timeline li[data-type="reload"]', { timeout: 20_000 });
    await page.waitForSelector(targetRow('web', b.address), { timeout: 20_000 });
    await page
      .locator('section.pool[data-pool="web"] .algo', { hasText: /^\s*least-connections/ })
      .waitFor({ state: 'attached', timeout: 20_000 });
    // Two stats events after the reload: the figures must still be those of the held connections.
    const stats = Number(await page.getAttribute('#link', 'data-stats'));
    await eventually(
      async () => Number(await page.getAttribute('#link', 'data-stats')) >= stats + 2,
      20_000,
      'two stats events after the reload',
    );
    assert.equal(await page.getAttribute(rowA, 'data-active'), String(HELD));
    assert.equal(await page.getAttribute(rowA, 'data-state'), 'ready');
    assert.equal(await page.textContent('tr[data-listener="main"] td.active'), String(HELD));
    assert.equal(await page.getAttribute(rowA, 'title'), totalBefore, 'totals and bytes kept');
    const seen = await page.evaluate<string[]>('window.activeSeen');
    assert.ok(
      seen.every((v) => v === String(HELD)),
      `data-active went through ${seen.join(', ')}`,
    );
    assert.equal(await page.evaluate('window.marker'), 'same page');
    assert.equal(await page.getAttribute('#link', 'data-snapshots'), '1', 'no new full state');

    // The held connections still carry bytes, and the page lists them on demand.
    for (const c of conns) assert.equal(await c.echo('after the reload'), 'after the reload');
    await page.click(`${rowA} button.link-button`);
    await waitForText(page, '#conn-count', `(${HELD})`);
    assert.equal(await page.locator('#connections tbody tr').count(), HELD);
    const clients = await page.locator('#connections tbody tr td:first-child').allTextContents();
    assert.deepEqual(clients.sort(), conns.map((c) => `127.0.0.1:${c.sock.localPort}`).sort());

    await Promise.all(conns.splice(0).map((c) => c.close()));
    await page.waitForSelector(`${rowA}[data-active="0"]`, { timeout: 20_000 });
  } finally {
    await browser.close();
    for (const c of conns) c.sock.destroy();
    await s.stop();
    await Promise.all([a.close(), b.close()]);
  }
});
