import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, type RunningCli } from '../../helpers/cli.js';
import { configDir } from '../../helpers/config-file.js';
import { echoStream } from '../../helpers/echo-stream.js';
import { http } from '../../helpers/http.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { steadyClients } from '../../helpers/steady-clients.js';
import { childPids, killSupervised, startSupervised } from '../../helpers/supervised.js';

type Status = {
  generation: number;
  version: string | null;
  pools: { targets: { address: string; admin: string }[] }[];
};

const adminUrl = (lb: RunningCli): string => /Admin API listening on (http:\/\/[\d.:]+)/.exec(lb.stdout())![1]!;
const status = async (lb: RunningCli): Promise<Status> => (await http(`${adminUrl(lb)}/api/status`)).json as Status;
const generationIs = (lb: RunningCli, n: number): Promise<Status> =>
  eventually(
    async () => {
      const s = await status(lb);
      return s.generation === n ? s : undefined;
    },
    60_000,
    `generation ${n}`,
  );
const logged = (lb: RunningCli, re: RegExp): Promise<true> =>
  eventually(() => re.test(lb.stdout()) || undefined, 60_000, String(re));

/** A target, a config, and the program file the supervisor runs at each generation (not written yet). */
async function prepare(extra: Record<string, unknown> = {}) {
  const echo = await echoServer();
  const files = configDir();
  const file = files.write('lb.yaml', {
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
    admin: { bind: '127.0.0.1:0' },
    drainTimeout: '60s',
    ...extra,
  });
  const program = join(files.dir, 'main.mjs');
  return {
    echo,
    files,
    program,
    start: (): Promise<RunningCli> => startSupervised(['--config', file, '--log-format', 'json'], { program }),
  };
}

async function setup(extra: Record<string, unknown> = {}) {
  const { echo, files, program, start } = await prepare(extra);
  // The program: a file the test can break and mend.
  const mend = (): void => writeFileSync(program, `await import(${JSON.stringify(CLI)});\n`);
  const brk = (): void =>
    writeFileSync(program, `process.stderr.write('broken build: cannot start\\n');\nprocess.exit(3);\n`);
  mend();
  const lb = await start();
  return {
    echo,
    lb,
    mend,
    brk,
    done: async () => {
      await killSupervised(lb);
      await echo.close();
      files.remove();
    },
  };
}

test('upgrade (SIGUSR2) under a steady stream of new connections: none fails, a long stream crosses it intact, same PID', async () => {
  const s = await setup();
  const { lb } = s;
  try {
    assert.equal((await status(lb)).generation, 1);
    const long = await echoStream(lb.port);
    const clients = steadyClients(lb.port);
    await eventually(() => clients.ok() >= 20 || undefined, 30_000, 'clients before');
    const before = childPids(lb.proc.pid!);
    assert.equal(before.length, 1, 'one generation');
    lb.proc.kill('SIGUSR2');
    const st = await generationIs(lb, 2);
    assert.match(String(st.version), /^\d+\.\d+\.\d+/);
    await logged(lb, /generation 2 \(version [^)]+\) serving; generation 1 drains/);
    const okAtSwitch = clients.ok();
    await eventually(() => clients.ok() >= okAtSwitch + 30 || undefined, 30_000, 'clients after');
    // The long stream was accepted by generation 1, which waits for it (drainTimeout 60s).
    assert.equal(long.broken(), undefined);
    assert.ok(childPids(lb.proc.pid!).includes(before[0]!), 'generation 1 still drains the long stream');
    const sums = await long.finish(30_000);
    assert.equal(sums.received, sums.sent, 'SHA-256 of the long stream');
    assert.ok(sums.bytes > 0);
    await logged(lb, /generation 1 \(pid \d+\) drained and exited/);
    await clients.stop();
    assert.deepEqual(clients.failures(), [], `${clients.failures().length} of ${clients.ok()} failed`);
    assert.ok(clients.ok() > okAtSwitch);
    const now = childPids(lb.proc.pid!);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], before[0]);
    assert.equal(lb.proc.exitCode, null, 'the started process is still there');
  } finally {
    await s.done();
  }
});

test('upgrade to a program that fails to start: the old one keeps serving; the failure is logged and returned by the API', async () => {
  const s = await setup();
  const { lb } = s;
  try {
    const admin = adminUrl(lb);
    s.brk();
    const r = await http(`${admin}/api/upgrade`, { method: 'POST' });
    assert.equal(r.status, 500, r.text);
    const body = r.json as { error: { code: string; message: string }; upgrade: { ok: boolean; generation: number } };
    assert.equal(body.error.code, 'LB_ERR_UPGRADE_FAILED');
    assert.match(
      body.error.message,
      /generation 2 did not become ready: exited with code 3: broken build: cannot start; generation 1 keeps serving/,
    );
    assert.deepEqual([body.upgrade.ok, body.upgrade.generation], [false, 1]);
    await logged(lb, /upgrade failed: generation 2 did not become ready/);
    // By signal too: logged, and generation 1 serves on.
    lb.proc.kill('SIGUSR2');
    await eventually(
      () => (lb.stdout().match(/upgrade failed/g) ?? []).length >= 2 || undefined,
      60_000,
      'second failure',
    );
    assert.equal((await status(lb)).generation, 1);
    const c = steadyClients(lb.port, 1);
    await eventually(() => c.ok() >= 5 || undefined, 30_000, 'served');
    await c.stop();
    assert.deepEqual(c.failures(), []);
    // Mended: the next upgrade takes over, as generation 2 (a failed attempt does not count).
    s.mend();
    const ok = await http(`${admin}/api/upgrade`, { method: 'POST' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((ok.json as { upgrade: { ok: boolean; generation: number } }).upgrade.generation, 2);
    await generationIs(lb, 2);
  } finally {
    await s.done();
  }
});

test('three upgrades in a row: no generation left behind, runtime changes survive, the port closes after SIGTERM', async () => {
  const s = await setup();
  const { lb, echo } = s;
  try {
    const admin = adminUrl(lb);
    const target = `127.0.0.1:${echo.port}`;
    const p = await http(`${admin}/api/pools/web/targets/${target}`, { method: 'PATCH', body: '{"weight":7}' });
    assert.equal(p.status, 200, p.text);
    for (const n of [2, 3, 4]) {
      lb.proc.kill('SIGUSR2');
      await generationIs(lb, n);
      await logged(lb, new RegExp(`generation ${n - 1} \\(pid \\d+\\) drained and exited`));
    }
    assert.equal(childPids(lb.proc.pid!).length, 1, 'only the serving generation is left');
    const pool = (await http(`${admin}/api/pools/web`)).json as { targets: { address: string; weight: number }[] };
    assert.equal(pool.targets[0]!.weight, 7, 'the weight set at runtime survived three upgrades');
    const c = steadyClients(lb.port, 1);
    await eventually(() => c.ok() >= 3 || undefined, 30_000, 'served');
    await c.stop();
    assert.deepEqual(c.failures(), []);
    assert.equal(await lb.stop('SIGTERM'), 0);
    const refused = await new Promise<string>((resolve) => {
      const sock = connect({ port: lb.port, host: '127.0.0.1' });
      sock.on('connect', () => resolve('connected'));
      sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.equal(refused, 'ECONNREFUSED', 'nothing holds the listening socket any more');
  } finally {
    await s.done();
  }
});

test('an upgrade asked while generation 1 still starts runs once it is ready (it answered "not serving" before)', async () => {
  const { echo, files, program, start } = await prepare();
  // Generation 1 takes a while to start; the supervisor (the same file) does not wait.
  writeFileSync(
    program,
    `if (process.env.LB_GENERATION === '1') await new Promise((r) => setTimeout(r, 1500));\nawait import(${JSON.stringify(CLI)});\n`,
  );
  const started = start();
  let lb: RunningCli | undefined;
  try {
    // The supervisor (this test's child running `program`) runs generation 1, not ready yet.
    const supervisor = await eventually(
      () =>
        childPids(process.pid).find(
          (p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(program) && childPids(p).length > 0,
        ),
      30_000,
      'generation 1 spawned',
    );
    process.kill(supervisor, 'SIGUSR2');
    lb = await started;
    await generationIs(lb, 2);
    assert.doesNotMatch(lb.stdout(), /not serving/);
  } finally {
    if (lb) await killSupervised(lb);
    await echo.close();
    files.remove();
  }
});
