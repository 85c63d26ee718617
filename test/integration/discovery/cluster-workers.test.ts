import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { startEtcd, etcdctl } from '../../helpers/etcd.js';
import { http } from '../../helpers/http.js';
import { eventually, exchange, nameServer } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

test('--workers 2: targets discovered in etcd reach the cluster workers and serve', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const s1 = await nameServer('s1');
  const s2 = await nameServer('s2');
  const dir = configDir();
  const file = dir.write('c.yaml', {
    workers: 2,
    etcd: { endpoints: etcd.endpoints },
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [`127.0.0.1:${s1.port}`], discovery: { etcd: { prefix: '/s/' } } } },
    admin: { bind: '127.0.0.1:0' },
  });
  const lb = await startCli(['--config', file, '--log-format', 'json']);
  try {
    await etcdctl(etcd.endpoints, 'put', `/s/127.0.0.1:${s2.port}`, '');
    await eventually(
      async () => {
        const got = new Set<string>();
        for (let i = 0; i < 8; i++) got.add((await exchange(lb.port, '')).toString());
        return got.has('s2') && got.has('s1');
      },
      10_000,
      's2 served by the workers',
    );
    const url = /Admin API listening on (\S+)/.exec(lb.stdout())![1]!;
    const st = (await http(`${url}/api/status`)).json as { discovery: { state: string }[] };
    assert.equal(st.discovery[0]!.state, 'ok');
  } finally {
    await lb.stop();
    await s1.close();
    await s2.close();
    dir.remove();
    await etcd.close();
  }
});
