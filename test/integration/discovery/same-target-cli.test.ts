import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startCli, type RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { nameServer, type TestServer } from '../../helpers/net.js';

// Two load balancer processes (two nodes of a fleet behind ECMP or DNS) with the same targets,
// given in different orders: source-hash sends each client to the same target on both.

/** The name of the backend that answers a connection made from `localAddress`. */
function servedFrom(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    let got = '';
    s.setEncoding('utf8');
    s.setTimeout(10_000, () => s.destroy(new Error(`no answer for ${localAddress}`)));
    s.on('data', (d: string) => (got += d));
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

test('source-hash: two nodes given the same targets in different orders send every client to the same target', async () => {
  const names = ['s1', 's2', 's3', 's4', 's5'];
  const backends: TestServer[] = await Promise.all(names.map((n) => nameServer(n)));
  const targets = backends.map((b) => `127.0.0.1:${b.port}`);
  const dir = configDir();
  const lbs: RunningCli[] = [];
  try {
    const file = (name: string, order: string[]) =>
      dir.write(`${name}.yaml`, {
        listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
        pools: { web: { algorithm: 'source-hash', targets: order, healthCheck: { type: 'none' } } },
      });
    const reordered = [targets[3]!, targets[0]!, targets[4]!, targets[2]!, targets[1]!];
    for (const f of [file('a', targets), file('b', reordered)]) lbs.push(await startCli(['-c', f]));
    const [a, b] = lbs as [RunningCli, RunningCli];

    const clients = Array.from({ length: 24 }, (_, i) => `127.0.0.${i + 2}`);
    const picks: string[] = [];
    for (const client of clients) {
      const onA = await servedFrom(a.port, client);
      assert.ok(names.includes(onA), `${client} on a: ${onA}`);
      assert.equal(await servedFrom(b.port, client), onA, `${client}: the same target on both nodes`);
      assert.equal(await servedFrom(a.port, client), onA, `${client}: the same target again`);
      picks.push(onA);
    }
    // not a degenerate hash: the clients spread over the targets
    assert.ok(new Set(picks).size >= 3, `clients spread: ${picks.join(',')}`);
  } finally {
    await Promise.all(lbs.map((lb) => lb.stop()));
    await Promise.all(backends.map((s) => s.close()));
    dir.remove();
  }
});
