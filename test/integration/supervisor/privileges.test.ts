import { test } from 'node:test';
import { chmodSync } from 'node:fs';
import assert from 'node:assert/strict';
import { configDir } from '../../helpers/config-file.js';
import { http } from '../../helpers/http.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { steadyClients } from '../../helpers/steady-clients.js';
import { childPids, startSupervised, uidOf } from '../../helpers/supervised.js';

test('user: nobody: the processes that carry connections run as nobody; the supervisor keeps root to bind what a reload adds', async (t) => {
  if (process.getuid?.() !== 0) {
    // CI runs as root; elsewhere this cannot be shown.
    if (process.env.CI === 'true') throw new Error('this test needs root (CI runs as root)');
    t.skip('needs root');
    return;
  }
  const echo = await echoServer();
  const files = configDir();
  const config = (extra: Record<string, unknown>): string =>
    files.write('lb.yaml', {
      listeners: { web: { bind: '127.0.0.1:0', pool: 'web' }, ...extra },
      pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
      admin: { bind: '127.0.0.1:0' },
      user: 'nobody',
    });
  const file = config({});
  // A reload reads the file as nobody: it must be readable by that user (docs/operations.md).
  chmodSync(files.dir, 0o755);
  const lb = await startSupervised(['--config', file, '--log-format', 'json']);
  try {
    const admin = /Admin API listening on (http:\/\/[\d.:]+)/.exec(lb.stdout())![1]!;
    const c = steadyClients(lb.port, 1);
    await eventually(() => c.ok() >= 3 || undefined, 30_000, 'served');
    await c.stop();
    assert.deepEqual(c.failures(), []);
    const [gen] = childPids(lb.proc.pid!);
    assert.ok(gen, 'a generation runs');
    assert.deepEqual(uidOf(gen), { real: 65534, effective: 65534 }, 'the generation carrying traffic runs as nobody');
    assert.equal(uidOf(lb.proc.pid!).effective, 0, 'the supervisor keeps root');
    await eventually(() => /running as user nobody \(uid 65534/.test(lb.stdout()) || undefined, 10_000, 'log');
    // A reload adds a port below 1024 after the drop: the supervisor binds it.
    let low = 0;
    for (let p = 1023; p > 900 && low === 0; p--) {
      config({ low: { bind: `127.0.0.1:${p}`, pool: 'web' } });
      const r = await http(`${admin}/api/reload`, { method: 'POST' });
      if (r.status === 200) low = p;
      else assert.match(r.text, /address already in use/, r.text); // taken by something else: try the next
    }
    assert.ok(low > 0, 'a port below 1024 was added by a reload');
    const c2 = steadyClients(low, 1);
    await eventually(() => c2.ok() >= 3 || undefined, 30_000, 'served on the low port');
    await c2.stop();
    assert.deepEqual(c2.failures(), []);
  } finally {
    await lb.stop();
    await echo.close();
    files.remove();
  }
});
