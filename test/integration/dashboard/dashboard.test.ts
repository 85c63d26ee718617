import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../../helpers/browser.js';
import { http } from '../../helpers/http.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { startStack } from '../../helpers/stack.js';

test('dashboard: targets appear with their state; a drain and a dead backend show up without a reload', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await echoServer();
  const b = await echoServer();
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: {
      web: {
        targets: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
        healthCheck: { interval: '200ms', timeout: '150ms', rise: 1, fall: 1 },
      },
    },
  });
  const shots = mkdtempSync(join(tmpdir(), 'lb-dashboard-'));
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${s.url}/`);
    const row = (port: number) => `tr.target[data-pool="web"][data-target="127.0.0.1:${port}"]`;
    await page.waitForSelector(`${row(a.port)}[data-state="ready"][data-health="healthy"]`, { timeout: 20_000 });
    await page.waitForSelector(`${row(b.port)}[data-state="ready"][data-health="healthy"]`, { timeout: 20_000 });
    const r = await http(`${s.url}/api/pools/web/targets/127.0.0.1:${a.port}`, {
      method: 'PATCH',
      body: '{"state":"drain"}',
    });
    assert.equal(r.status, 200, r.text);
    await page.waitForSelector(`${row(a.port)}[data-state="drain"]`, { timeout: 20_000 });
    await b.close();
    await page.waitForSelector(`${row(b.port)}[data-health="unhealthy"]`, { timeout: 20_000 });
    await eventually(
      async () => (await page.textContent('#timeline'))?.includes('DOWN'),
      20_000,
      'DOWN in the timeline',
    );
    await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
    process.stderr.write(`screenshot: ${join(shots, 'dashboard.png')}\n`);
  } finally {
    await browser.close();
    await s.stop();
    await Promise.all([a.close(), b.close().catch(() => undefined)]);
  }
});
