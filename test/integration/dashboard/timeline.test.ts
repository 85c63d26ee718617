import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, targetRow, waitForText } from '../../helpers/browser.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { echoServer } from '../../helpers/net.js';
import { startStack } from '../../helpers/stack.js';

test('dashboard timeline: each change with its cause, filtered by pool through the page', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await echoServer();
  const b = await echoServer();
  const [A, B] = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' }, alt: { bind: '127.0.0.1:0', pool: 'api' } },
    pools: {
      web: { targets: [A], healthCheck: { type: 'none' } },
      api: { targets: [B], healthCheck: { type: 'none' } },
    },
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${s.url}/`);
    await page.waitForSelector(`${targetRow('api', B)}[data-state="ready"]`, { timeout: 20_000 });
    await page.waitForSelector('#link[data-link="live"]', { timeout: 20_000 });
    s.app.store.setAdminState('web', A, 'drain', 'test: web change');
    s.app.store.setAdminState('api', B, 'maint', 'test: api change');
    const event = (pool: string) =>
      page.locator(`#timeline li[data-pool="${pool}"]`, { hasText: `test: ${pool} change` });
    for (const pool of ['web', 'api']) await event(pool).waitFor({ timeout: 20_000 });

    // What the user sees: only the chosen pool's events; "all" shows both again.
    const shown = async () => ({ web: await event('web').isVisible(), api: await event('api').isVisible() });
    assert.deepEqual(await shown(), { web: true, api: true });
    await page.selectOption('#timeline-pool', 'web');
    assert.deepEqual(await shown(), { web: true, api: false });
    await page.selectOption('#timeline-pool', 'api');
    assert.deepEqual(await shown(), { web: false, api: true });
    // A change arriving while filtered follows the filter too.
    s.app.store.setAdminState('web', A, 'ready', 'test: web again');
    const later = page.locator('#timeline li[data-pool="web"]', { hasText: 'test: web again' });
    await later.waitFor({ state: 'attached', timeout: 20_000 });
    assert.equal(await later.isVisible(), false);
    await page.selectOption('#timeline-pool', '');
    assert.deepEqual(await shown(), { web: true, api: true });
    assert.equal(await later.isVisible(), true);
  } finally {
    await browser.close();
    await s.stop();
    await Promise.all([a.close(), b.close()]);
  }
});

test('dashboard: a pool header counts its targets from the full state, before any stats event', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await echoServer();
  const b = await echoServer();
  const [A, B] = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
  // Stats events come from the clock's timer: a clock that does not move sends none until told.
  const clock = new FakeClock();
  const s = await startStack(
    {
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets: [A, B], healthCheck: { type: 'none' } } },
    },
    { clock },
  );
  try {
    s.app.store.setAdminState('web', B, 'drain', 'test: one of two drained');
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${s.url}/`);
    await page.waitForSelector(`${targetRow('web', B)}[data-state="drain"]`, { timeout: 20_000 });
    await page.waitForSelector('#link[data-link="live"]', { timeout: 20_000 });
    assert.equal(await page.getAttribute('#link', 'data-stats'), '0', 'no stats event yet');
    await waitForText(page, 'section.pool[data-pool="web"] dd', '1 / 2');
    clock.advance(1000);
    await page.waitForSelector('#link[data-stats="1"]', { state: 'attached', timeout: 20_000 });
    await waitForText(page, 'section.pool[data-pool="web"] dd', '1 / 2');
  } finally {
    await browser.close();
    await s.stop();
    await Promise.all([a.close(), b.close()]);
  }
});
