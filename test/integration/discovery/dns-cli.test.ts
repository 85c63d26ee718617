import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminUrlOf, startCli, type RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { startDnsmasq, type DnsRecords } from '../../helpers/dnsmasq.js';
import { http } from '../../helpers/http.js';
import { eventually, exchange, nameServer, type TestServer } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

// DNS discovery through a running load balancer (`node dist/main.js -c FILE`): dnsmasq serves SRV
// and A records that change; the process's GET /api/status and its traffic follow them.

interface Status {
  pools: { name: string; targets: { address: string; weight: number; backup: boolean }[] }[];
  discovery?: {
    pool: string;
    source: string;
    state: string;
    targets: number;
    failures: number;
    error?: string;
    staleForMs?: number;
  }[];
}
const status = async (lb: RunningCli): Promise<Status> => {
  const r = await http(`${adminUrlOf(lb)}/api/status`);
  assert.equal(r.status, 200, r.text);
  return r.json as Status;
};
/** `address@weight` (`+backup`) of a pool's targets, sorted. */
const targetsOf = async (lb: RunningCli, pool: string): Promise<string> =>
  (await status(lb)).pools
    .find((p) => p.name === pool)!
    .targets.map((t) => `${t.address}@${t.weight}${t.backup ? '+backup' : ''}`)
    .sort()
    .join(' ');
const list = (...targets: string[]): string => targets.sort().join(' ');
const sourceOf = async (lb: RunningCli, pool: string) => (await status(lb)).discovery?.find((d) => d.pool === pool);
async function served(lb: RunningCli, n = 8): Promise<string> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await exchange(lb.port, '')).toString());
  return [...seen].sort().join();
}

const SRV = '_web._tcp.lb.test';

test('DNS discovery in a running process: SRV and A records added, removed and reprioritised reach GET /api/status and the traffic; DNS gone: stale, the last targets serve', async (t) => {
  if (!requireProgram(t, 'dnsmasq', 'dnsmasq-base')) return;
  const backends: TestServer[] = [await nameServer('s1'), await nameServer('s2'), await nameServer('s3')];
  const [p1, p2, p3] = backends.map((b) => b.port) as [number, number, number];
  const records = (srv: DnsRecords['srv'], api: string[]): DnsRecords => ({
    srv,
    hosts: {
      'b1.lb.test': ['127.0.0.1'],
      'b2.lb.test': ['127.0.0.1'],
      'b3.lb.test': ['127.0.0.1'],
      'api.lb.test': api,
    },
    ttl: 1,
  });
  const dns = await startDnsmasq(
    'lb.test',
    records(
      [
        [SRV, 'b1.lb.test', p1, 10, 60],
        [SRV, 'b2.lb.test', p2, 10, 40],
      ],
      ['127.0.0.1'],
    ),
  );
  const dir = configDir();
  let lb: RunningCli | undefined;
  try {
    const file = dir.write('lb.yaml', {
      listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: {
        // no static targets: the pool's targets are the SRV records'
        web: {
          discovery: { dns: { name: SRV, type: 'SRV', resolvers: [dns.server], interval: '1s' } },
          healthCheck: { interval: '1s', timeout: '1s' },
        },
        api: {
          targets: [`127.0.0.1:${p3}`],
          discovery: { dns: { name: 'api.lb.test', type: 'A', port: 9443, resolvers: [dns.server], interval: '1s' } },
          healthCheck: { type: 'none' },
        },
      },
      admin: { bind: '127.0.0.1:0' },
    });
    lb = await startCli(['-c', file, '--log-format', 'json']);
    const running = lb;

    await eventually(
      async () => (await targetsOf(running, 'web')) === list(`127.0.0.1:${p1}@60`, `127.0.0.1:${p2}@40`),
      30_000,
      'the SRV targets with their weights',
    );
    const web = await sourceOf(running, 'web');
    assert.equal(web?.state, 'ok');
    assert.equal(web?.targets, 2);
    assert.match(web?.source ?? '', /_web\._tcp\.lb\.test/);
    await eventually(async () => (await served(running)) === 's1,s2', 30_000, 'traffic to both SRV targets');
    // A records with the configured port add up with the static target
    await eventually(
      async () => (await targetsOf(running, 'api')) === list(`127.0.0.1:${p3}@1`, '127.0.0.1:9443@1'),
      30_000,
      'A record + static',
    );

    // records change: b2 leaves, b3 joins at a lower priority (a backup, RFC 2782), api gets a second address
    await dns.set(
      records(
        [
          [SRV, 'b1.lb.test', p1, 10, 60],
          [SRV, 'b3.lb.test', p3, 20, 5],
        ],
        ['127.0.0.1', '127.0.0.2'],
      ),
    );
    await eventually(
      async () => (await targetsOf(running, 'web')) === list(`127.0.0.1:${p1}@60`, `127.0.0.1:${p3}@5+backup`),
      30_000,
      'the new SRV records',
    );
    await eventually(async () => (await served(running)) === 's1', 30_000, 'the backup waits while the primary serves');
    await eventually(
      async () =>
        (await targetsOf(running, 'api')) === list(`127.0.0.1:${p3}@1`, '127.0.0.1:9443@1', '127.0.0.2:9443@1'),
      30_000,
      'the second A record',
    );

    // the primary's record goes: the backup is promoted, the traffic moves to it
    await dns.set(records([[SRV, 'b3.lb.test', p3, 20, 5]], ['127.0.0.1']));
    await eventually(async () => (await targetsOf(running, 'web')) === `127.0.0.1:${p3}@5`, 30_000, 'b1 gone');
    await eventually(async () => (await served(running)) === 's3', 30_000, 'traffic to b3');

    // DNS gone: the source is stale with its error and age, the last targets keep serving
    await dns.stop();
    await eventually(async () => (await sourceOf(running, 'web'))?.state === 'stale', 30_000, 'stale');
    const stale = await sourceOf(running, 'web');
    assert.match(stale?.error ?? '', /ECONNREFUSED|ETIMEOUT|timed out/i);
    assert.ok((stale?.staleForMs ?? -1) >= 0);
    assert.equal(await targetsOf(running, 'web'), `127.0.0.1:${p3}@5`, 'a failing source never empties a pool');
    assert.equal(await served(running), 's3');
    // retries go on (backing off), the line is written once per change of state
    const linesOf = (re: RegExp): number => running.logs().filter((l) => re.test(String(l.msg))).length;
    const staleLine = /^discovery dns:_web\._tcp\.lb\.test of pool web is stale, its last targets stay: /;
    await eventually(
      async () => ((await sourceOf(running, 'web'))?.failures ?? 0) >= 3 && linesOf(staleLine) > 0,
      30_000,
      'three failed retries and the stale line',
    );
    assert.equal(linesOf(staleLine), 1, 'logged once, not once per retry');

    // back: the source is ok again and its answer applies
    await dns.set(records([[SRV, 'b2.lb.test', p2, 1, 1]], ['127.0.0.1']));
    await eventually(async () => (await sourceOf(running, 'web'))?.state === 'ok', 30_000, 'ok again');
    await eventually(async () => (await targetsOf(running, 'web')) === `127.0.0.1:${p2}@1`, 30_000, 'b2 back');
    await eventually(async () => (await served(running)) === 's2', 30_000, 'traffic to b2');
    const backLine = /^discovery dns:_web\._tcp\.lb\.test of pool web answers again \(1 targets\)/;
    await eventually(() => linesOf(backLine) === 1, 5000, 'the line saying it answers again');
    assert.equal(linesOf(staleLine), 1);
  } finally {
    await lb?.stop();
    await Promise.all(backends.map((s) => s.close()));
    dir.remove();
    await dns.close();
  }
});
