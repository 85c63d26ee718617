import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../helpers/cluster.js';
import { namedEcho, open } from '../../helpers/named-echo.js';
import { eventually, exchange } from '../../helpers/net.js';

const refused = async (port: number): Promise<boolean> => {
  try {
    await exchange(port, 'x', '127.0.0.1', 2000);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
};

const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** A cluster with a long drain timeout, its worker pids, and one connection open through it. */
async function drainable(t: TestContext) {
  const a = await namedEcho('A');
  t.after(() => a.close());
  const lb = await startCluster(['0', '--host', '127.0.0.1', '-b', a.address, '--drain-timeout', '60s']);
  t.after(() => lb.stop('SIGKILL'));
  const pids = (await lb.status()).workers.map((w) => w.pid!);
  const conn = await open(lb.port);
  t.after(() => conn.sock.destroy());
  return { lb, pids, conn };
}

test('SIGTERM in cluster mode: the workers stop accepting, an open connection finishes, then the primary exits 0', async (t) => {
  const { lb, pids, conn } = await drainable(t);
  assert.equal(await conn.echo('before'), 'before');
  lb.proc.kill('SIGTERM');
  await eventually(() => refused(lb.port), 30_000, 'the port closed to new connections');
  assert.equal(await conn.echo('during the drain'), 'during the drain');
  assert.equal(lb.proc.exitCode, null, 'still draining');
  await conn.close();
  assert.equal(await lb.exited, 0);
  for (const pid of pids) assert.ok(gone(pid), `worker ${pid} exited`);
  const stopped = lb.logs().filter((l) => l.msg === 'stopped');
  assert.equal(stopped.length, 3, 'each worker and then the primary say "stopped"');
  assert.equal(stopped.at(-1)!.worker, undefined, 'the primary is last');
});

test('a second SIGTERM during the drain ends the primary and its workers at once', async (t) => {
  const { lb, pids } = await drainable(t);
  lb.proc.kill('SIGTERM');
  await eventually(() => lb.logs().some((l) => String(l.msg).startsWith('SIGTERM received')), 30_000, 'the drain');
  lb.proc.kill('SIGTERM');
  assert.equal(await lb.exited, 1);
  await eventually(() => pids.every(gone), 10_000, 'the workers gone');
});
