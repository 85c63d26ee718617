import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../../helpers/browser.js';
import { http } from '../../helpers/http.js';
import { echoServer } from '../../helpers/net.js';
import { startStack } from '../../helpers/stack.js';

test('dashboard with a token: sign-in form, no data before it, an HttpOnly SameSite=Strict cookie, the token never in a URL', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await echoServer();
  const s = await startStack(
    { listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } }, pools: { web: { targets: [`127.0.0.1:${a.port}`] } } },
    { token: 's3cret-token' },
  );
  try {
    assert.equal((await http(`${s.url}/api/events`)).status, 401, 'the stream needs the token');
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${s.url}/`);
    await page.waitForSelector('#signin:not([hidden]) input[type="password"]', { timeout: 20_000 });
    assert.equal(await page.locator('tr.target').count(), 0, 'no data before signing in');
    await page.fill('#token', 'wrong');
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector('#signin-error:text("Wrong token.")', { timeout: 20_000 });
    await page.fill('#token', 's3cret-token');
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector(`tr.target[data-target="127.0.0.1:${a.port}"][data-state="ready"]`, { timeout: 20_000 });
    const cookie = (await page.context().cookies()).find((c) => c.name === 'lb_session');
    assert.ok(cookie?.httpOnly, 'HttpOnly');
    assert.equal(cookie?.sameSite, 'Strict');
    assert.ok(!urls.some((u) => u.includes('s3cret')), `the token in a URL: ${urls.join(' ')}`);
    // a change with the cookie but without the CSRF token is refused
    const noCsrf = await http(`${s.url}/api/pools/web/targets/127.0.0.1:${a.port}`, {
      method: 'PATCH',
      body: '{"state":"drain"}',
      headers: { cookie: `lb_session=${cookie.value}` },
    });
    assert.equal(noCsrf.status, 401, noCsrf.text);
  } finally {
    await browser.close();
    await s.stop();
    await a.close();
  }
});
