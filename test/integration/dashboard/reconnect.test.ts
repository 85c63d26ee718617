import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchBrowser, targetRow, waitForText } from '../../helpers/browser.js';
import { startGate } from '../../helpers/gate.js';
import { echoServer } from '../../helpers/net.js';
import { startStack } from '../../helpers/stack.js';

/** The page's own account of its stream (data-* of the link indicator). */
async function streamState(page: Page) {
  const attr = async (name: string): Promise<string> => (await page.getAttribute('#link', name)) ?? '';
  return {
    link: await attr('data-link'),
    eventId: await attr('data-event-id'),
    snapshots: await attr('data-snapshots'),
    gaps: await attr('data-gaps'),
  };
}

test('dashboard: the event stream reconnects after the admin server, the network and a proxy failed, and catches up from Last-Event-ID with no gap', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const backends = await Promise.all([echoServer(), echoServer(), echoServer()]);
  const [A, B, C] = backends.map((e) => `127.0.0.1:${e.port}`) as [string, string, string];
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [A, B, C], healthCheck: { type: 'none' } } },
  });
  // The page talks to the admin server through a gate the test can cut: a network partition.
  const gate = await startGate(s.admin.port);
  const store = s.app.store;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${gate.port}/`);
    for (const id of [A, B, C]) await page.waitForSelector(`${targetRow('web', id)}[data-state="ready"]`);
    await page.waitForSelector('#link[data-link="live"]', { timeout: 20_000 });
    assert.equal((await streamState(page)).snapshots, '1');

    const missWhile = async (what: string, drop: () => Promise<void>, restore: () => Promise<void>, n: number) => {
      await drop();
      await page.waitForSelector('#link[data-link="down"]', { timeout: 20_000 });
      // Changes the page cannot see now: it must get them all, in order, once back.
      const cause = `test: while ${what}`;
      store.setAdminState('web', A, n % 2 === 1 ? 'drain' : 'ready', `${cause} (1)`);
      store.setWeight('web', B, 10 + n, `${cause} (2)`);
      store.setAdminState('web', C, n % 2 === 1 ? 'maint' : 'ready', `${cause} (3)`);
      await restore();
      await page.waitForSelector(`${targetRow('web', A)}[data-state="${n % 2 === 1 ? 'drain' : 'ready'}"]`, {
        timeout: 30_000,
      });
      await waitForText(page, `${targetRow('web', B)} td.weight`, String(10 + n), 30_000);
      await page.waitForSelector(`${targetRow('web', C)}[data-state="${n % 2 === 1 ? 'maint' : 'ready'}"]`, {
        timeout: 30_000,
      });
      await page.waitForSelector('#link[data-link="live"]', { timeout: 30_000 });
      const timeline = (await page.textContent('#timeline')) ?? '';
      for (const i of [1, 2, 3]) assert.ok(timeline.includes(`${cause} (${i})`), `${cause} (${i}) in the timeline`);
      const state = await streamState(page);
      assert.equal(state.snapshots, '1', `${what}: caught up from Last-Event-ID, not from a new full state`);
      assert.equal(state.gaps, '0', `${what}: every change in order`);
      assert.equal(state.eventId, String(store.revision));
    };

    await missWhile(
      'the admin server was down',
      () => s.stopAdmin(),
      () => s.restartAdmin(),
      1,
    );
    await missWhile(
      'the network was cut',
      () => gate.cut(),
      () => gate.open(),
      2,
    );
    // A proxy in front answers 502: the browser gives the stream up (an HTTP error is not retried),
    // the page opens a new one once the API answers, and says where it was with ?lastEventId=.
    await missWhile(
      'a proxy answered 502',
      async () => {
        await gate.answer('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        // Not only dropped (the browser's own retry would carry Last-Event-ID): given up.
        await page.locator('#link', { hasText: 'retrying' }).waitFor({ timeout: 30_000 });
      },
      () => gate.open(),
      3,
    );
  } finally {
    await browser.close();
    await gate.close();
    await s.stop();
    await Promise.all(backends.map((e) => e.close()));
  }
});
