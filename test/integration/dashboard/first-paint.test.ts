import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchBrowser, targetRow, waitForText } from '../../helpers/browser.js';
import { open, type Conn } from '../../helpers/named-echo.js';
import { stillStack } from '../../helpers/still-stack.js';

const poolActive = 'section.pool[data-pool="web"] .figures div:nth-child(2) dd';
const listenerCell = (c: string) => `#listeners tr[data-listener="main"] td.${c}`;

/** What the page shows of the held connections: the target's row, its pool, its listener. */
async function showsHeld(page: Page, address: string, n: number): Promise<void> {
  await page.waitForSelector(`${targetRow('web', address)}[data-active="${n}"]`, { timeout: 20_000 });
  await waitForText(page, poolActive, String(n));
  await waitForText(page, listenerCell('active'), String(n));
  await waitForText(page, listenerCell('rate'), '0');
  await waitForText(page, listenerCell('rejected'), '0');
}

test('dashboard: the first paint shows held connections and every figure, and so does a catch-up after a reconnect, with no periodic stats event', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  // A clock that does not move: the periodic stats event never comes, so whatever figures the page
  // shows came with the stream's first event (or with its catch-up after a reconnect).
  const { stack: s, backend: a } = await stillStack(t);
  const conns: Conn[] = [];
  t.after(() => conns.forEach((c) => c.sock.destroy()));
  for (let i = 0; i < 2; i++) {
    const c = await open(s.port());
    conns.push(c);
    assert.equal(await c.echo('held'), 'held');
  }

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${s.url}/`);
  await page.waitForSelector('#link[data-snapshots="1"]', { timeout: 20_000 });
  await showsHeld(page, a.address, 2);
  assert.equal(
    await page.getAttribute('#link', 'data-stats'),
    '0',
    'no stats event: the figures came with the snapshot',
  );

  // The admin server goes away; a connection opens meanwhile. The page resumes from Last-Event-ID
  // (no new full state) and still shows it at once.
  await s.stopAdmin();
  await page.waitForSelector('#link[data-link="down"]', { timeout: 20_000 });
  const c = await open(s.port());
  conns.push(c);
  assert.equal(await c.echo('held'), 'held');
  await s.restartAdmin();
  await page.waitForSelector('#link[data-link="live"]', { timeout: 30_000 });
  await showsHeld(page, a.address, 3);
  assert.equal(await page.getAttribute('#link', 'data-snapshots'), '1', 'caught up, not started again');
  assert.equal(await page.getAttribute('#link', 'data-stats'), '1', 'the one stats event of the catch-up');
  await page.close();
});
