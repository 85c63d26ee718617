import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { clusterFrom, connectionsThrough, type RunningCluster } from '../helpers/cluster.js';
import { configDir } from '../helpers/config-file.js';
import { http } from '../helpers/http.js';
import { namedEcho } from '../helpers/named-echo.js';
import { eventually } from '../helpers/net.js';

// One data-plane suite, run against a single process and against a cluster of two workers: the
// same config file, the same admin requests and reloads, the same expectations of where new
// connections go. A single process feeds its data plane from its target store in process; the
// workers get the primary's over IPC.

const yaml = (targets: readonly string[], workers: number, extraBind?: string): string =>
  [
    `workers: ${workers}`,
    'listeners:',
    '  web: { bind: 127.0.0.1:0, pool: web }',
    ...(extraBind ? [`  extra: { bind: ${extraBind}, pool: web }`] : []),
    'pools:',
    '  web:',
    `    targets: [${targets.map((t) => `"${t}"`).join(', ')}]`,
    '    healthCheck: { type: tcp, interval: 300ms, timeout: 250ms, fall: 2, rise: 1 }',
    'admin: { bind: 127.0.0.1:0 }',
  ].join('\n');

/** Asserts that every data plane (the process, or each worker) sends new connections to exactly `want`. */
async function everyPlaneUses(lb: RunningCluster, want: readonly string[]): Promise<void> {
  const workers = (await lb.status()).workers as { pid: number }[] | undefined;
  const pids = workers?.map((w) => w.pid) ?? [lb.proc.pid!];
  const byPid = new Map<number, string[]>(pids.map((p) => [p, []]));
  await eventually(
    async () => {
      // A single process logs no pid (it has one data plane); workers do.
      for (const l of await connectionsThrough(lb, 8)) byPid.get(l.pid ?? lb.proc.pid!)?.push(String(l.access.target));
      return [...byPid.values()].every((t) => t.length >= 4);
    },
    60_000,
    '4 connections on each data plane',
  );
  for (const [pid, targets] of byPid)
    assert.deepEqual([...new Set(targets)].sort(), [...want].sort(), `targets of data plane ${pid}`);
}

for (const workers of [1, 2]) {
  const mode = workers === 1 ? 'single process' : `cluster of ${workers} workers`;
  test(`data plane (${mode}): balancing, admin changes, reloads, health, and an admin change during a failing reload`, async (t) => {
    const [a, b, c] = await Promise.all([namedEcho('A'), namedEcho('B'), namedEcho('C')]);
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as { port: number }).port;
    const files = configDir();
    t.after(async () => {
      files.remove();
      await Promise.all([a.close(), b.close(), c.close(), new Promise((r) => busy.close(r))]);
    });
    const file = files.write('lb.yaml', yaml([a.address, b.address], workers));
    const lb = await clusterFrom(['--config', file, '--log-format', 'json']);
    t.after(() => lb.stop('SIGKILL'));
    const target = (addr: string): string => `${lb.admin}/api/pools/web/targets/${encodeURIComponent(addr)}`;
    const patch = async (addr: string, body: unknown) =>
      assert.equal((await http(target(addr), { method: 'PATCH', body: JSON.stringify(body) })).status, 200);
    let version = 1;
    const reload = async (): Promise<void> => {
      version++;
      lb.proc.kill('SIGHUP');
      await eventually(
        () => lb.logs().some((l) => String(l.msg).startsWith(`config version ${version} applied`)),
        30_000,
        `config version ${version}`,
      );
    };

    // balancing over the configured targets
    await everyPlaneUses(lb, [a.address, b.address]);

    // admin state and membership, through the store, reach every data plane
    await patch(a.address, { state: 'maint' });
    await everyPlaneUses(lb, [b.address]);
    await patch(a.address, { state: 'ready' });
    const added = await http(`${lb.admin}/api/pools/web/targets`, {
      method: 'POST',
      body: JSON.stringify({ address: c.address }),
    });
    assert.equal(added.status, 201);
    assert.equal((await http(target(b.address), { method: 'DELETE' })).status, 200);
    await everyPlaneUses(lb, [a.address, c.address]);

    // a reload: membership is the file's again, a state set through the API stays
    await patch(a.address, { state: 'drain' });
    await reload();
    await everyPlaneUses(lb, [b.address]);
    await patch(a.address, { state: 'ready' });
    files.write('lb.yaml', yaml([a.address, b.address, c.address], workers));
    await reload();
    await everyPlaneUses(lb, [a.address, b.address, c.address]);

    // health: a target that stops answering is taken out everywhere
    await c.close();
    await eventually(
      async () => (await lb.status()).pools[0]!.targets.find((x) => x.address === c.address)?.health === 'unhealthy',
      30_000,
      'C DOWN',
    );
    await everyPlaneUses(lb, [a.address, b.address]);

    // a reload that cannot be applied (a port in use), with an admin change made while it runs
    files.write('lb.yaml', yaml([a.address, b.address, c.address], workers, `127.0.0.1:${busyPort}`));
    const [reloaded] = await Promise.all([
      http(`${lb.admin}/api/reload`, { method: 'POST' }),
      patch(b.address, { state: 'maint' }),
    ]);
    assert.notEqual(reloaded.status, 200, 'the reload fails: the port is in use');
    const b1 = (await lb.status()).pools[0]!.targets.find((x) => x.address === b.address) as unknown as {
      admin: string;
    };
    assert.equal(b1.admin, 'maint', 'the admin change made during the failed reload is kept');
    await everyPlaneUses(lb, [a.address]);
  });
}
