import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, signIn, targetRow, waitForText } from '../../helpers/browser.js';
import { http } from '../../helpers/http.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { startStack } from '../../helpers/stack.js';

const TOKEN = 'actions-token';

test('dashboard actions: drain, maintenance, ready and weight through the page, each after a confirmation; the API and the page agree', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await echoServer();
  const b = await echoServer();
  const [A, B] = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`];
  const s = await startStack(
    { listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } }, pools: { web: { targets: [A, B] } } },
    { token: TOKEN },
  );
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${s.url}/`);
    await signIn(page, TOKEN);
    const row = targetRow('web', A);
    await page.waitForSelector(`${row}[data-state="ready"]`, { timeout: 20_000 });
    const api = async (): Promise<{ admin: string; weight: number }> =>
      (await http(`${s.url}/api/pools/web/targets/${A}`, { token: TOKEN })).json as { admin: string; weight: number };
    const ask = async (action: string): Promise<void> => {
      await page.click(`${row} button[data-action="${action}"]`);
      await page.waitForSelector('#confirm[open]', { timeout: 20_000 });
    };

    // Cancelled: nothing changes, on the page or in the API.
    await ask('drain');
    assert.match((await page.textContent('#confirm-text')) ?? '', new RegExp(`^Drain ${A} \\(pool web\\)\\?`));
    await page.click('#confirm button[value="cancel"]');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached', timeout: 20_000 });
    assert.equal((await api()).admin, 'ready');
    assert.equal(await page.getAttribute(row, 'data-state'), 'ready');

    // Confirmed: the row changes when the event stream says so, and the API says the same.
    for (const state of ['drain', 'maint', 'ready'] as const) {
      await ask(state);
      await page.click('#confirm-ok');
      await page.waitForSelector(`${row}[data-state="${state}"]`, { timeout: 20_000 });
      assert.equal((await api()).admin, state, `API after ${state}`);
    }
    await ask('weight');
    assert.equal(await page.inputValue('#weight-input'), '1', 'the dialog starts from the current weight');
    await page.fill('#weight-input', '7');
    await page.click('#confirm-ok');
    await waitForText(page, `${row} td.weight`, '7');
    assert.equal((await api()).weight, 7);
    assert.equal(await page.getAttribute(targetRow('web', B), 'data-state'), 'ready', 'the other target untouched');

    // What the page showed came from the stream: each change is in the timeline with who made it.
    const timeline = await eventually(async () => {
      const text = (await page.textContent('#timeline')) ?? '';
      return text.includes('weight 7') ? text : undefined;
    }, 20_000);
    for (const change of ['ready → drain', 'drain → maint', 'maint → ready'])
      assert.match(timeline, new RegExp(`${A} ${change} \\(admin PATCH by 127\\.0\\.0\\.1\\)`), change);

    // An action refused by the API says so and changes nothing (the session ended meanwhile).
    const cookie = (await page.context().cookies()).find((c) => c.name === 'lb_session')!;
    await http(`${s.url}/api/session`, { method: 'DELETE', headers: { cookie: `lb_session=${cookie.value}` } });
    await ask('drain');
    await page.click('#confirm-ok');
    await page.locator('.toast.bad', { hasText: `${A}: drain refused` }).waitFor({ timeout: 20_000 });
    assert.equal((await api()).admin, 'ready');
  } finally {
    await browser.close();
    await s.stop();
    await Promise.all([a.close(), b.close()]);
  }
});
