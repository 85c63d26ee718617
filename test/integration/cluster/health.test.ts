import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionsThrough, startCluster } from '../../helpers/cluster.js';
import { namedEcho, whoServes } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { series } from '../../helpers/prom-text.js';

test('health in cluster mode: one set of checks, a dead backend is marked DOWN once, and no worker sends it traffic', async (t) => {
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  t.after(() => Promise.all([a.close(), b.close()]));
  const lb = await startCluster([
    '0',
    '--host',
    '127.0.0.1',
    '-b',
    `${a.address},${b.address}`,
    '--health-interval',
    '250ms',
    '--health-timeout',
    '200ms',
    '--fall',
    '2',
  ]);
  t.after(() => lb.stop('SIGKILL'));
  const checks = (m: string, addr: string): number =>
    series(m, `lb_health_checks_total{pool="default",target="${addr}",result="success"}`) ?? 0;

  // Every connection A accepted is either one the workers proxied or one check of the primary's.
  await eventually(async () => checks(await lb.metrics(), a.address) >= 4, 30_000, 'a few checks');
  await Promise.all(Array.from({ length: 10 }, () => whoServes(lb.port)));
  await eventually(
    async () => {
      const proxied = lb.accessLines().filter((l) => l.access.target === a.address).length;
      const counted = checks(await lb.metrics(), a.address);
      const extra = a.accepted() - proxied - counted;
      return extra === 0 || extra === 1; // one check may be in flight
    },
    20_000,
    'connections to A = proxied + the primary’s checks',
  );

  await b.close();
  await eventually(
    () => lb.logs().some((l) => String(l.msg).startsWith(`target ${b.address} DOWN`)),
    30_000,
    'B marked DOWN',
  );
  // Once the workers have the news, every connection goes to A on the first attempt.
  const allToA = async (): Promise<boolean> =>
    (await connectionsThrough(lb, 12)).every((l) => l.access.target === a.address && l.access.attempts === 1);
  await eventually(allToA, 30_000, 'no connection tries B');
  const pidsBefore = new Set(lb.accessLines().map((l) => l.pid));
  assert.ok(await allToA(), 'and it stays so');
  assert.equal(pidsBefore.size, 2, 'both workers served');

  const down = lb.logs().filter((l) => String(l.msg).startsWith(`target ${b.address} DOWN`));
  assert.equal(down.length, 1, 'marked DOWN once');
  assert.equal(down[0]!.worker, undefined, 'by the primary');
  const m = await lb.metrics();
  assert.equal(series(m, `lb_health_transitions_total{pool="default",target="${b.address}",state="unhealthy"}`), 1);
  assert.equal(series(m, `lb_target_health{pool="default",target="${b.address}",state="unhealthy"}`), 1);
});
