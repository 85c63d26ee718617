import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFrom } from '../../helpers/cluster.js';
import { namedEcho } from '../../helpers/named-echo.js';
import { exchange } from '../../helpers/net.js';

// The default accept mode (SCHED_NONE) is what every other cluster test runs; this keeps the
// measured alternative (src/cluster/accept-mode.ts) working, so that the comparison can be re-run.
test('LB_CLUSTER_ACCEPT=rr: the primary accepts and hands connections to the workers in turn', async (t) => {
  const a = await namedEcho('A');
  t.after(() => a.close());
  const lb = await clusterFrom(
    ['0', '--host', '127.0.0.1', '-b', a.address, '--workers', '2', '--admin', '127.0.0.1:0', '--log-format', 'json'],
    { LB_CLUSTER_ACCEPT: 'rr' },
  );
  t.after(() => lb.stop('SIGKILL'));
  // One at a time: each worker is free again when the next connection comes, so they alternate.
  for (let i = 0; i < 10; i++) assert.equal((await exchange(lb.port, 'x')).toString(), 'A\nx');
  const status = await lb.status();
  assert.deepEqual(
    status.workers.map((w) => w.totalConnections),
    [5, 5],
  );
  assert.equal(status.listeners[0]!.totalConnections, 10);
});
