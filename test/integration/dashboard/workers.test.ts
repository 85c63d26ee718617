import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, targetRow, waitForText } from '../../helpers/browser.js';
import { startCluster } from '../../helpers/cluster.js';
import { http } from '../../helpers/http.js';
import { namedEcho, open, type Conn } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';

interface Listed {
  open: number;
  shown: number;
  connections: { client: string; worker?: number }[];
}

test('dashboard with --workers 2: the figures are summed over the workers, and the open connections of every worker are listed', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  t.after(() => Promise.all([a.close(), b.close()]));
  const lb = await startCluster(['0', '--host', '127.0.0.1', '-b', `${a.address},${b.address}`]);
  t.after(() => lb.stop('SIGKILL'));
  const conns: Conn[] = [];
  t.after(() => conns.forEach((c) => c.sock.destroy()));

  // Connections until both workers hold some (the primary hands them out in turn).
  await eventually(
    async () => {
      conns.push(await open(lb.port));
      const workers = (await lb.status()).workers;
      return workers.length === 2 && workers.every((w) => w.activeConnections > 0) && conns.length >= 4;
    },
    60_000,
    'open connections on both workers',
  );
  const n = conns.length;
  const byTarget = { [a.address]: conns.filter((c) => c.name === 'A').length, [b.address]: 0 };
  byTarget[b.address] = n - byTarget[a.address]!;

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${lb.admin}/`);
  for (const [address, count] of Object.entries(byTarget))
    await page.waitForSelector(`${targetRow('default', address)}[data-active="${count}"]`, { timeout: 30_000 });
  await waitForText(page, '#listeners tbody td.active', String(n), 30_000);
  assert.match((await page.textContent('#facts')) ?? '', /2 workers/);

  // The API lists the connections of both workers, each with its worker, and so does the page.
  const clients = new Set(conns.map((c) => `127.0.0.1:${c.sock.localPort}`));
  const workersSeen = new Set<number>();
  for (const [address, count] of Object.entries(byTarget)) {
    const r = await http(`${lb.admin}/api/pools/default/targets/${address}/connections`);
    assert.equal(r.status, 200, r.text);
    const list = r.json as Listed;
    assert.equal(list.open, count);
    assert.equal(list.shown, count);
    for (const c of list.connections) {
      assert.ok(clients.has(c.client), `${c.client} is one of ours`);
      assert.ok(c.worker === 1 || c.worker === 2, `worker of ${c.client}: ${c.worker}`);
      workersSeen.add(c.worker);
    }
  }
  assert.deepEqual([...workersSeen].sort(), [1, 2], 'connections listed from both workers');
  const limited = (await http(`${lb.admin}/api/pools/default/targets/${a.address}/connections?limit=1`)).json as Listed;
  assert.equal(limited.shown, Math.min(1, byTarget[a.address]!));

  const busiest = byTarget[a.address]! >= byTarget[b.address]! ? a.address : b.address;
  await page.click(`${targetRow('default', busiest)} button.link-button`);
  await waitForText(page, '#conn-count', `(${byTarget[busiest]})`, 30_000);
  const rows = await page.locator('#connections tbody tr td:nth-child(2)').allTextContents();
  assert.equal(rows.length, byTarget[busiest]);
  assert.ok(
    rows.every((r) => / · worker [12]$/.test(r)),
    rows.join(' | '),
  );

  // Closing them shows on the page as the sum falling to 0.
  await Promise.all(conns.splice(0).map((c) => c.close()));
  for (const address of Object.keys(byTarget))
    await page.waitForSelector(`${targetRow('default', address)}[data-active="0"]`, { timeout: 30_000 });
  await page.close();
});
