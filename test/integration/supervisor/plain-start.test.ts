import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { adminUrlOf, startCli, type RunningCli } from '../../helpers/cli.js';
import { echoStream } from '../../helpers/echo-stream.js';
import { apiError, http } from '../../helpers/http.js';
import { connectOutcome, echoServer, eventually, exchange, type TestServer } from '../../helpers/net.js';
import { steadyClients } from '../../helpers/steady-clients.js';
import { childPids } from '../../helpers/supervised.js';

// Issue 12's contract as a user meets it: `loadbalancer PORT -b …` started with no environment
// variable at all (the supervisor is on by default), SIGUSR2 to the PID that was started.

/** A plain start: the test runner's environment without LB_SUPERVISOR (undefined: not passed on). */
const PLAIN = { LB_SUPERVISOR: undefined };

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

async function start(backend: TestServer, env: NodeJS.ProcessEnv, ...more: string[]): Promise<RunningCli> {
  const args = ['0', '--host', '127.0.0.1', '-b', `127.0.0.1:${backend.port}`, '--health-interval', '0'];
  return startCli([...args, '--admin', '127.0.0.1:0', '--log-format', 'json', '--no-access-log', ...more], { env });
}

const generation = async (lb: RunningCli): Promise<number> =>
  ((await http(`${adminUrlOf(lb)}/api/status`)).json as { generation: number }).generation;

/** SIGKILLs what the test started and may have outlived it (a generation whose supervisor died). */
function killAll(pids: readonly number[]): void {
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
}

test('plain start, no LB_SUPERVISOR: SIGUSR2 to the started PID upgrades under a stream of new connections (none fails), generation 2, same PID; SIGTERM ends all', async () => {
  const echo = await echoServer();
  const lb = await start(echo, PLAIN);
  const started = lb.proc.pid!;
  const pids = [started];
  try {
    const [first] = childPids(started);
    assert.ok(first, 'the started process runs the program as a child: generation 1');
    pids.push(first);
    assert.deepEqual(childPids(started), [first], 'one generation');
    assert.equal(await generation(lb), 1);
    const clients = steadyClients(lb.port);
    await eventually(() => clients.ok() >= 20 || undefined, 30_000, 'clients before');
    lb.proc.kill('SIGUSR2');
    await eventually(async () => (await generation(lb)) === 2, 60_000, 'generation 2 in /api/status');
    const second = await eventually(
      () => {
        const now = childPids(started);
        return now.length === 1 && now[0] !== first ? now[0] : undefined;
      },
      60_000,
      'generation 1 gone, generation 2 alone under the started process',
    );
    pids.push(second);
    // The supervisor's log line (written in batches: perhaps a little after the status changed).
    const switched = new RegExp(`generation 2 \\(version [^)]+, pid ${second}\\) serving; generation 1 drains`);
    await eventually(() => switched.test(lb.stdout()), 30_000, String(switched));
    const okAtSwitch = clients.ok();
    await eventually(() => clients.ok() >= okAtSwitch + 20 || undefined, 30_000, 'clients after');
    await clients.stop();
    assert.deepEqual(clients.failures(), [], `${clients.failures().length} of ${clients.ok()} failed`);
    assert.equal(lb.proc.exitCode, null, 'the started process is still there');
    assert.ok(alive(started), `pid ${started} still runs`);
    // SIGTERM to the started PID: every process ends, nothing listens any more.
    assert.equal(await lb.stop('SIGTERM'), 0);
    await eventually(() => !alive(second), 30_000, `generation 2 (pid ${second}) ended`);
    assert.equal(await connectOutcome(lb.port), 'ECONNREFUSED');
  } finally {
    killAll(pids);
    await echo.close();
  }
});

test('LB_SUPERVISOR=0: one process, POST /api/upgrade answers 409 LB_ERR_UPGRADE_UNAVAILABLE, SIGUSR2 is logged and does not stop it', async () => {
  const echo = await echoServer();
  const lb = await start(echo, { LB_SUPERVISOR: '0' });
  try {
    assert.deepEqual(childPids(lb.proc.pid!), [], 'no child: the started process carries the traffic');
    assert.equal(await generation(lb), 1);
    const r = await http(`${adminUrlOf(lb)}/api/upgrade`, { method: 'POST' });
    assert.equal(r.status, 409, r.text);
    assert.equal(apiError(r).code, 'LB_ERR_UPGRADE_UNAVAILABLE');
    assert.match(apiError(r).message, /started with LB_SUPERVISOR=0/);
    lb.proc.kill('SIGUSR2');
    await eventually(() => /SIGUSR2: no supervisor to upgrade with/.test(lb.stdout()), 30_000, 'SIGUSR2 logged');
    assert.equal((await exchange(lb.port, 'still here')).toString(), 'still here');
    assert.equal(lb.proc.exitCode, null);
  } finally {
    assert.equal(await lb.stop(), 0);
    await echo.close();
  }
});

test('the started process SIGKILLed: its generation stops accepting, drains for drainTimeout and exits', async () => {
  const echo = await echoServer();
  const lb = await start(echo, PLAIN, '--drain-timeout', '2s');
  const started = lb.proc.pid!;
  const pids = [started, ...childPids(started)];
  const gen = pids[1]!;
  try {
    const stream = await echoStream(lb.port);
    await eventually(() => stream.received() > 0, 30_000, 'the stream flows');
    lb.proc.kill('SIGKILL');
    await lb.exited;
    const killed = Date.now();
    // stdout is the generation's too (inherited): its log goes on after the supervisor died.
    await eventually(
      () => /the supervisor is gone: draining connections for up to 2000ms/.test(lb.stdout()),
      30_000,
      'the drain logged',
    );
    await eventually(() => !alive(gen), 60_000, `generation 1 (pid ${gen}) ended`);
    const took = Date.now() - killed;
    assert.match(lb.stdout(), /drain deadline: closing 1 connection/);
    assert.ok(stream.broken() !== undefined, 'the stream was closed at the drain deadline');
    assert.equal(await connectOutcome(lb.port), 'ECONNREFUSED', 'nothing listens once it is gone');
    // 2 s of drain plus the spread close and the exit; generous for a loaded machine.
    assert.ok(took < 30_000, `ended ${took} ms after its supervisor`);
  } finally {
    killAll(pids);
    await echo.close();
  }
});
