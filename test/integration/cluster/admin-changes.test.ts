import { test } from 'node:test';
import assert from 'node:assert/strict';
import { everyWorkerUses, startCluster } from '../../helpers/cluster.js';
import { http } from '../../helpers/http.js';
import { namedEcho } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';

test('runtime admin changes and a SIGHUP reload reach every worker', async (t) => {
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  t.after(() => Promise.all([a.close(), b.close()]));
  const lb = await startCluster(['0', '--host', '127.0.0.1', '-b', `${a.address},${b.address}`]);
  t.after(() => lb.stop('SIGKILL'));
  const target = (addr: string): string => `${lb.admin}/api/pools/default/targets/${encodeURIComponent(addr)}`;
  const only = (want: string[]): Promise<void> => everyWorkerUses(lb, want);
  await only([a.address, b.address].sort());
  const maint = await http(target(a.address), { method: 'PATCH', body: JSON.stringify({ state: 'maint' }) });
  assert.equal(maint.status, 200);
  await only([b.address]);

  assert.equal((await http(target(a.address), { method: 'PATCH', body: '{"state":"ready"}' })).status, 200);
  assert.equal((await http(target(b.address), { method: 'DELETE' })).status, 200);
  await only([a.address]);

  // A reload gives the pool its configured targets again (runtime membership does not survive it).
  lb.proc.kill('SIGHUP');
  await eventually(() => lb.logs().some((l) => String(l.msg).startsWith('config version 2 applied')), 30_000);
  await only([a.address, b.address].sort());
  assert.equal((await lb.status()).workers.length, 2);
});
