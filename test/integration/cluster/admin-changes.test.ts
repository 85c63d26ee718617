import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionsThrough, startCluster, type RunningCluster } from '../../helpers/cluster.js';
import { http } from '../../helpers/http.js';
import { namedEcho } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';

/**
 * Makes connections in batches until every worker has served at least `perWorker` of them;
 * returns the targets each worker chose, by pid.
 */
async function servedByEachWorker(lb: RunningCluster, perWorker = 4): Promise<Map<number, string[]>> {
  const pids = (await lb.status()).workers.map((w) => w.pid!);
  const byPid = new Map<number, string[]>(pids.map((p) => [p, []]));
  return eventually(
    async () => {
      for (const l of await connectionsThrough(lb, 8)) byPid.get(l.pid)?.push(String(l.access.target));
      return [...byPid.values()].every((t) => t.length >= perWorker) ? byPid : undefined;
    },
    60_000,
    `${perWorker} connections on each worker`,
  );
}

test('runtime admin changes and a SIGHUP reload reach every worker', async (t) => {
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  t.after(() => Promise.all([a.close(), b.close()]));
  const lb = await startCluster(['0', '--host', '127.0.0.1', '-b', `${a.address},${b.address}`]);
  t.after(() => lb.stop('SIGKILL'));
  const target = (addr: string): string => `${lb.admin}/api/pools/default/targets/${encodeURIComponent(addr)}`;
  const only = async (want: string[]): Promise<void> => {
    const byPid = await servedByEachWorker(lb);
    for (const [pid, targets] of byPid) assert.deepEqual([...new Set(targets)].sort(), want, `worker ${pid}`);
  };

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
