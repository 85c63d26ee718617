import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { systemClock } from '../../../src/core/clock.js';
import { createEtcdClient } from '../../../src/discovery/etcd-client.js';
import { EtcdSource, type RejectedEntry } from '../../../src/discovery/etcd-source.js';
import { collector, untilTargets } from '../../helpers/discovery-updates.js';
import { startEtcd, etcdctl } from '../../helpers/etcd.js';
import { startGate } from '../../helpers/gate.js';
import { eventually } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

test('etcd source: every value format, watch put/delete under a second, a lease that expires, bad values skipped', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const client: Etcd3 = createEtcdClient({ endpoints: etcd.endpoints });
  const rejected: RejectedEntry[] = [];
  const src = new EtcdSource('web', '/services/web/', client, systemClock(), (r) => rejected.push(r));
  const c = collector();
  try {
    await client.put('/services/web/127.0.0.1:9001').value('');
    await client.put('/services/web/b').value('127.0.0.2:9002');
    await client.put('/services/web/c').value('{"address":"127.0.0.3:9003","weight":3,"backup":true}');
    await client.put('/services/web/d').value('{"Op":0,"Addr":"[::1]:9004","Metadata":{"x":1}}');
    await client.put('/services/web/bad').value('{"address":"nowhere"}');
    await client.put('/services/other/127.0.0.9:1').value(''); // another prefix: not ours
    src.start(c.listener);
    await untilTargets(
      c,
      ['127.0.0.1:9001', '127.0.0.2:9002', '127.0.0.3:9003@3+backup', '[::1]:9004'],
      'initial load',
    );
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!.message, /etcd key \/services\/web\/bad: .*nowhere/);

    // a put is seen well under a second after it was written
    const t0 = Date.now();
    await client.put('/services/web/e').value('127.0.0.5:9005');
    await untilTargets(
      c,
      ['127.0.0.1:9001', '127.0.0.2:9002', '127.0.0.3:9003@3+backup', '127.0.0.5:9005', '[::1]:9004'],
      'put',
    );
    assert.ok(Date.now() - t0 < 1000, `put took ${Date.now() - t0} ms`);
    await client.delete().key('/services/web/b');
    await client.delete().key('/services/web/d');
    await untilTargets(c, ['127.0.0.1:9001', '127.0.0.3:9003@3+backup', '127.0.0.5:9005'], 'deletes');

    // a service registered with a lease (as etcdctl lease grant / put --lease does) goes with it
    const leaseOut = await etcdctl(etcd.endpoints, 'lease', 'grant', '1');
    const leaseId = /lease ([0-9a-f]+) granted/.exec(leaseOut)?.[1];
    assert.ok(leaseId, leaseOut);
    await etcdctl(etcd.endpoints, 'put', '--lease', leaseId, '/services/web/127.0.0.6:9006', '');
    await untilTargets(
      c,
      ['127.0.0.1:9001', '127.0.0.3:9003@3+backup', '127.0.0.5:9005', '127.0.0.6:9006'],
      'leased put',
    );
    await untilTargets(c, ['127.0.0.1:9001', '127.0.0.3:9003@3+backup', '127.0.0.5:9005'], 'lease expiry', 10_000);
    // the bad key fixed: it joins
    await client.put('/services/web/bad').value('127.0.0.7:9007');
    await untilTargets(
      c,
      ['127.0.0.1:9001', '127.0.0.3:9003@3+backup', '127.0.0.5:9005', '127.0.0.7:9007'],
      'fixed value',
    );
    assert.ok(
      c.updates.every((u) => u.type === 'snapshot'),
      'no error on a healthy etcd',
    );
  } finally {
    await src.stop();
    client.close();
    await etcd.close();
  }
});

test('etcd source: a watch cut off while the prefix changed and was compacted re-reads it: nothing missed, nothing twice', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const port = Number(new URL(etcd.endpoints[0]!).port);
  const gate = await startGate(port);
  const direct = createEtcdClient({ endpoints: etcd.endpoints });
  const client = createEtcdClient({ endpoints: [`http://127.0.0.1:${gate.port}`] });
  const src = new EtcdSource('web', '/s/', client, systemClock());
  const c = collector();
  try {
    await direct.put('/s/127.0.0.1:1').value('');
    await direct.put('/s/127.0.0.1:2').value('');
    src.start(c.listener);
    await untilTargets(c, ['127.0.0.1:1', '127.0.0.1:2'], 'load');
    const before = src.revision;

    // partitioned: the source sees an error, keeps its targets
    await gate.cut();
    await eventually(() => c.last()?.type === 'error', 10_000, 'the source to notice');
    await direct.delete().key('/s/127.0.0.1:1');
    await direct.put('/s/127.0.0.1:3').value('');
    await direct.put('/s/127.0.0.1:3').value('{"address":"127.0.0.1:3","weight":5}');
    const put = await direct.put('/s/127.0.0.1:4').value('').exec();
    await direct.delete().key('/s/127.0.0.1:4');
    await direct.kv.compact({ revision: put.header.revision, physical: true });
    assert.deepEqual(c.ids(), ['127.0.0.1:1', '127.0.0.1:2'], 'the last known targets stay');

    await gate.open();
    await untilTargets(c, ['127.0.0.1:2', '127.0.0.1:3@5'], 'caught up after the compaction', 15_000);
    assert.ok(src.revision > before);
    const snaps = c.updates.flatMap((u) => (u.type === 'snapshot' ? [u] : []));
    assert.match(snaps.at(-1)!.cause, /re-read of \/s\//, 'the compacted watch led to a full re-read');
    const revs = snaps.map((u) => u.revision!);
    assert.deepEqual(
      revs,
      [...revs].sort((a, b) => a - b),
      'revisions never go back',
    );
    // and it watches again
    await direct.put('/s/127.0.0.1:5').value('');
    await untilTargets(c, ['127.0.0.1:2', '127.0.0.1:3@5', '127.0.0.1:5'], 'watching again');
  } finally {
    await src.stop();
    client.close();
    direct.close();
    await gate.close();
    await etcd.close();
  }
});

test('etcd source: etcd down at start, then up; stopped and restarted with its data; the targets never empty', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const member = etcd.members[0]!;
  const client = createEtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: 1000 });
  const src = new EtcdSource('web', '/s/', client, systemClock());
  const c = collector();
  try {
    await etcdctl(etcd.endpoints, 'put', '/s/127.0.0.1:1', '');
    await member.stop();
    src.start(c.listener);
    await eventually(() => c.last()?.type === 'error', 10_000, 'an error while etcd is down');
    assert.equal(c.ids(), undefined, 'nothing known yet');
    await member.start();
    await untilTargets(c, ['127.0.0.1:1'], 'caught up once etcd answers', 15_000);

    await member.stop();
    await eventually(() => c.last()?.type === 'error', 10_000, 'the source to notice');
    assert.deepEqual(c.ids(), ['127.0.0.1:1'], 'the last known targets stay');
    await member.start();
    await etcdctl(etcd.endpoints, 'put', '/s/127.0.0.1:2', '');
    await untilTargets(c, ['127.0.0.1:1', '127.0.0.1:2'], 'watching after the restart', 15_000);
  } finally {
    await src.stop();
    client.close();
    await etcd.close();
  }
});
