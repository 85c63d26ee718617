import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningCli } from '../../helpers/cli.js';
import { startSupervised } from '../../helpers/supervised.js';
import { configDir } from '../../helpers/config-file.js';
import { http } from '../../helpers/http.js';
import { echoServer, eventually, type TestServer } from '../../helpers/net.js';

type Target = { address: string; admin: string; weight: number; health: string; lastChange: { cause: string } | null };
const adminUrl = (lb: RunningCli): string => /Admin API listening on (http:\/\/[\d.:]+)/.exec(lb.stdout())![1]!;
const targets = async (lb: RunningCli): Promise<Target[]> =>
  ((await http(`${adminUrl(lb)}/api/pools/web`)).json as { targets: Target[] }).targets;

async function setup(): Promise<{
  a: TestServer;
  b: TestServer;
  file: string;
  state: string;
  done: () => Promise<void>;
}> {
  const [a, b] = await Promise.all([echoServer(), echoServer()]);
  const files = configDir();
  const state = join(files.dir, 'state.json');
  const file = files.write('lb.yaml', {
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: {
      web: {
        targets: [`127.0.0.1:${a.port}`, '127.0.0.1:1'],
        // A long interval: the health restored from the file is what the status shows.
        healthCheck: { type: 'tcp', interval: '1h' },
      },
      gone: { targets: [`127.0.0.1:${a.port}`] },
    },
    admin: { bind: '127.0.0.1:0' },
    stateFile: state,
  });
  return {
    a,
    b,
    file,
    state,
    done: async () => {
      await Promise.all([a.close(), b.close()]);
      files.remove();
    },
  };
}

test('state file: admin state, weights, runtime targets and health are written on change and restored at the next start', async () => {
  const s = await setup();
  const A = `127.0.0.1:${s.a.port}`;
  const B = `127.0.0.1:${s.b.port}`;
  try {
    let lb = await startSupervised(['--config', s.file, '--log-format', 'json']);
    try {
      const admin = adminUrl(lb);
      await eventually(
        () => /state file .* not read \(it does not exist yet\)/.test(lb.stdout()) || undefined,
        10_000,
        'missing-file warning',
      );
      await eventually(
        async () => (await targets(lb)).find((t) => t.address === '127.0.0.1:1')?.health === 'unhealthy',
        30_000,
        'down',
      );
      assert.equal(
        (await http(`${admin}/api/pools/web/targets/${A}`, { method: 'PATCH', body: '{"state":"drain","weight":5}' }))
          .status,
        200,
      );
      assert.equal(
        (
          await http(`${admin}/api/pools/web/targets`, {
            method: 'POST',
            body: JSON.stringify({ address: B, weight: 3 }),
          })
        ).status,
        201,
      );
      // Written (coalesced) after the change, before any shutdown.
      const saved = await eventually(
        () => {
          const j = existsSync(s.state)
            ? (JSON.parse(readFileSync(s.state, 'utf8')) as { pools: Record<string, { targets: { id: string }[] }> })
            : undefined;
          return j?.pools.web?.targets.some((t) => t.id === B) ? j : undefined;
        },
        10_000,
        'state file written',
      );
      assert.equal(Object.keys(saved.pools).sort().join(), 'gone,web');
    } finally {
      assert.equal(await lb.stop(), 0);
    }
    // The config no longer names pool "gone": its saved state is ignored, the rest is restored.
    writeFileSync(s.file, readFileSync(s.file, 'utf8').replace(/ {2}gone:\n(?: {4}.*\n)+/, ''));
    lb = await startSupervised(['--config', s.file, '--log-format', 'json']);
    try {
      const t = await targets(lb);
      const by = new Map(t.map((x) => [x.address, x]));
      assert.deepEqual([by.get(A)?.admin, by.get(A)?.weight], ['drain', 5]);
      assert.equal(by.get(B)?.weight, 3, 'the target added at runtime is back');
      assert.equal(by.get('127.0.0.1:1')?.health, 'unhealthy', 'the last known health');
      assert.match(String(by.get('127.0.0.1:1')?.lastChange?.cause), /stale/);
      await eventually(() => /state file .* restored/.test(lb.stdout()) || undefined, 10_000, 'restored log');
      assert.match(lb.stdout(), /pools no longer in the config are ignored: gone/);
    } finally {
      await lb.stop();
    }
  } finally {
    await s.done();
  }
});

test('state file: a corrupt one is a warning, never a failed start', async () => {
  const s = await setup();
  try {
    writeFileSync(s.state, '{"format":"tcp-loadbalancer-state","version":1,"pools":{"web":');
    const lb = await startSupervised(['--config', s.file, '--log-format', 'json']);
    try {
      await eventually(() => /state file .* ignored: not JSON/.test(lb.stdout()) || undefined, 10_000, 'warning');
      const warn = lb.logs().find((l) => /state file/.test(String(l.msg)));
      assert.equal(warn?.level, 40);
      assert.deepEqual(
        (await targets(lb)).map((t) => t.admin),
        ['ready', 'ready'],
      );
    } finally {
      assert.equal(await lb.stop(), 0);
    }
    // The shutdown wrote a good one over it.
    assert.equal((JSON.parse(readFileSync(s.state, 'utf8')) as { format: string }).format, 'tcp-loadbalancer-state');
  } finally {
    await s.done();
  }
});
