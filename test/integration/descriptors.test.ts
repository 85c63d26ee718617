import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fdBudget } from '../../src/listener/fd-budget.js';
import { startApp } from '../helpers/app-harness.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { http } from '../helpers/http.js';
import { eventually, tcpServer, type TestServer } from '../helpers/net.js';
import { acceptQueue } from '../helpers/proc.js';
import { needNative } from '../helpers/native-relay.js';
import { hasProgram, requireProgram } from '../helpers/programs.js';
import { series } from '../helpers/prom-text.js';
import { startStack } from '../helpers/stack.js';

// Issue 14, "Descriptors": at the limit, the load balancer stops accepting and clients wait in the
// kernel's backlog (as with HAProxy), instead of being accepted and reset.

/** A backend that greets every connection and keeps it open until the client leaves. */
const greeter = (): Promise<TestServer> =>
  tcpServer((s) => {
    s.write('hi');
    s.on('end', () => s.end());
  });

interface Waiter {
  readonly sock: Socket;
  served: boolean;
  /** Closed or reset before it was served. */
  failed: boolean;
  /** Leaves as soon as it is served. */
  leave: boolean;
}

function waiter(port: number): Waiter {
  const w: Waiter = { sock: connect({ port, host: '127.0.0.1' }), served: false, failed: false, leave: false };
  w.sock.on('data', () => {
    w.served = true;
    if (w.leave) w.sock.destroy();
  });
  const gone = (): void => {
    if (!w.served) w.failed = true;
  };
  w.sock.on('error', gone);
  w.sock.on('close', gone);
  return w;
}

const count = (ws: readonly Waiter[], f: (w: Waiter) => boolean): number => ws.filter(f).length;

/**
 * Waits until `served` clients were served and `queued` wait in the listening socket's backlog;
 * fails as soon as one client is closed or reset, with the tally.
 */
async function until(
  ws: readonly Waiter[],
  port: number,
  served: number,
  queued: number,
  timeoutMs: number,
): Promise<void> {
  const tally = (): string =>
    `${count(ws, (w) => w.served)} served, ${count(ws, (w) => w.failed)} closed or reset, ` +
    `${acceptQueue(port) ?? 'no socket'} in the backlog`;
  const failed = (): number => count(ws, (w) => w.failed);
  try {
    await eventually(
      () => failed() > 0 || (count(ws, (w) => w.served) === served && acceptQueue(port) === queued),
      timeoutMs,
    );
  } catch {
    assert.fail(`expected ${served} served and ${queued} in the backlog: ${tally()}`);
  }
  assert.equal(failed(), 0, `no client closed or reset: ${tally()}`);
}

/** Recv-Q of the listening socket as `ss` shows it. */
function ssRecvQ(port: number): number | undefined {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  const cols = out.trim().split(/\s+/);
  return cols.length > 1 ? Number(cols[1]) : undefined;
}

for (const nativeAccept of [false, true])
  test(`at the descriptor budget every client waits in the backlog, none is reset, each is served in turn (${nativeAccept ? 'native' : 'node'} accept)`, async (t) => {
    if (nativeAccept && !needNative(t, 'accept')) return;
    const backend = await greeter();
    // 70 descriptors: 64 in reserve, 3 connections; a listener stopped at 3 accepts again at 2.
    const s = await startStack(
      {
        nativeAccept,
        listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
        pools: { web: { targets: [`127.0.0.1:${backend.port}`], healthCheck: { type: 'none' } } },
      },
      { fdBudget: fdBudget({ soft: 70, hard: 70 }) },
    );
    const port = s.port('main');
    assert.equal(s.app.listeners().get('main')!.acceptsNatively, nativeAccept);
    const ws: Waiter[] = [];
    try {
      for (let i = 0; i < 5; i++) ws.push(waiter(port));
      await until(ws, port, 3, 2, 10_000);
      const status = (await http(`${s.url}/api/status`)).json as { descriptors: Record<string, unknown> };
      assert.deepEqual(status.descriptors, {
        soft: 70,
        hard: 70,
        reserve: 64,
        connections: 3,
        open: 3,
        pausedListeners: ['main'],
      });
      const m = (await http(`${s.url}/metrics`)).text;
      assert.equal(series(m, 'lb_listener_paused{listener="main"}'), 1);
      assert.equal(series(m, 'lb_listener_paused_total{listener="main",reason="descriptors"}'), 1);
      assert.equal(series(m, 'lb_listener_connections_total{listener="main"}'), 3, 'the waiting ones are not accepted');
      // the first leaves: one more is accepted (and the listener stops again at 3)
      ws[0]!.sock.destroy();
      await until(ws, port, 4, 1, 10_000);
      ws[1]!.sock.destroy();
      await until(ws, port, 5, 0, 10_000);
      for (const w of ws) w.sock.destroy();
      // all closed before the next one comes (else it may make a 4th pause at 3 open)
      await eventually(
        async () => {
          const st = (await http(`${s.url}/api/status`)).json as { descriptors: { open: number } };
          return st.descriptors.open === 0;
        },
        10_000,
        'every connection closed',
      );
      const fresh = waiter(port);
      ws.push(fresh);
      await eventually(() => fresh.served, 10_000, 'a new client served after');
      const after = await eventually(
        async () => {
          const text = (await http(`${s.url}/metrics`)).text;
          return series(text, 'lb_listener_paused{listener="main"}') === 0 ? text : undefined;
        },
        10_000,
        'accepting again',
      );
      assert.equal(series(after, 'lb_listener_paused_total{listener="main",reason="descriptors"}'), 3);
      assert.ok((series(after, 'lb_listener_paused_seconds_total{listener="main"}') ?? 0) > 0, 'time paused counted');
      assert.equal(
        series(after, 'lb_listener_rejected_connections_total{listener="main",reason="max_connections"}'),
        undefined,
      );
    } finally {
      for (const w of ws) w.sock.destroy();
      await s.stop();
      await backend.close();
    }
  });

test('without dup (no native addon): the old accept-and-close beyond maxConnections, with a warning', async () => {
  const backend = await greeter();
  const lb = await startApp(
    {
      nativeAccept: false, // Node's accept: native accept pauses the relay thread's polling, no dup needed
      listeners: { web: { bind: '127.0.0.1:0', pool: 'p', maxConnections: 1 } },
      pools: { p: { targets: [`127.0.0.1:${backend.port}`], healthCheck: { type: 'none' } } },
    },
    { descriptorOps: undefined },
  );
  const ws: Waiter[] = [];
  try {
    assert.ok(
      lb
        .logs()
        .some((l) =>
          /listener web cannot stop accepting when descriptors run out \(the native addon/.test(String(l.msg)),
        ),
      'warned',
    );
    ws.push(waiter(lb.port()));
    await eventually(() => ws[0]!.served, 5000, 'first served');
    ws.push(waiter(lb.port()));
    await eventually(() => ws[1]!.failed, 5000, 'second closed at once');
    await eventually(() => lb.access().some((a) => a.reason === 'max_connections'), 5000, 'logged as max_connections');
  } finally {
    for (const w of ws) w.sock.destroy();
    await lb.stop();
    await backend.close();
  }
});

/** From now on a client leaves once served (and those served leave now): the waiting ones come in. */
function leaveOnceServed(ws: readonly Waiter[]): void {
  for (const w of ws) {
    w.leave = true;
    if (w.served) w.sock.destroy();
  }
}

/** Runs `body` against the CLI under `prlimit --nofile=256:256` in front of a greeter; ends all after. */
async function underLimit(
  t: TestContext,
  args: readonly string[],
  body: (lb: RunningCli, ws: Waiter[]) => Promise<void>,
): Promise<void> {
  if (!requireProgram(t, 'prlimit', 'util-linux')) return;
  const backend = await greeter();
  const lb = await startCli(
    ['0', '-b', `127.0.0.1:${backend.port}`, '--log-format', 'json', '--no-access-log', ...args],
    {
      wrap: ['prlimit', '--nofile=256:256'],
    },
  );
  const ws: Waiter[] = [];
  try {
    await body(lb, ws);
  } finally {
    for (const w of ws) w.sock.destroy();
    await lb.stop();
    await backend.close();
  }
}

const budget256 = fdBudget({ soft: 256, hard: 256 });

for (const accept of ['node', 'native'] as const)
  test(`under prlimit --nofile=256:256, 400 clients (${accept} accept): none reset, the first served, the rest once others leave, a new one after`, (t) =>
    underLimit(
      t,
      ['--health-interval', '500ms', accept === 'native' ? '--native-accept' : '--no-native-accept'],
      async (lb, ws) => {
        if (accept === 'native' && !needNative(t, 'accept')) return;
        const { connections } = budget256;
        assert.match(lb.stdout(), /Descriptors: limit 256 \(hard 256\): up to 96 client connections/);
        assert.match(lb.stdout(), accept === 'native' ? /^Accept: native \(main\)$/m : /^Accept: node$/m);
        for (let i = 0; i < 400; i++) ws.push(waiter(lb.port));
        // the first ones hold every descriptor the budget allows, the rest wait
        await until(ws, lb.port, connections, 400 - connections, 30_000);
        if (hasProgram('ss')) assert.equal(ssRecvQ(lb.port), 400 - connections, 'ss -ltn: Recv-Q');
        // the log is written in batches (at most 200 ms late)
        await eventually(
          () => /listener main stopped accepting: the descriptor limit is reached/.test(lb.stdout()),
          10_000,
          'the pause logged',
        );
        leaveOnceServed(ws);
        await until(ws, lb.port, 400, 0, 60_000);
        const fresh = waiter(lb.port);
        ws.push(fresh);
        await eventually(() => fresh.served, 10_000, 'a new client served after');
        await eventually(
          () => /listener main accepting again after \d+ ms/.test(lb.stdout()),
          10_000,
          'the resume logged',
        );
        const out = lb.stdout();
        assert.doesNotMatch(out, /EMFILE/, 'the process never ran out of descriptors');
        assert.doesNotMatch(out, / DOWN /, 'no backend blamed');
      },
    ));

test('--workers 2 under prlimit --nofile=256:256: each worker stops at its budget, 400 clients, none reset', (t) =>
  underLimit(t, ['--workers', '2'], async (lb, ws) => {
    const { connections } = budget256;
    assert.match(lb.stdout(), /up to 96 client connections .* per worker/);
    for (let i = 0; i < 400; i++) ws.push(waiter(lb.port));
    // the workers share one listening socket: each stops at its budget, the rest wait in its backlog
    await until(ws, lb.port, 2 * connections, 400 - 2 * connections, 30_000);
    leaveOnceServed(ws);
    await until(ws, lb.port, 400, 0, 60_000);
    assert.doesNotMatch(lb.stdout(), /EMFILE/);
  }));
