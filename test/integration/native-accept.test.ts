import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import { needNative } from '../helpers/native-relay.js';
import { client, startApp, type AppHarness } from '../helpers/app-harness.js';
import { blackhole, hasPython } from '../helpers/blackhole.js';
import { echoServer, eventually, exchange, freePort, nameServer, type TestServer } from '../helpers/net.js';
import { acceptQueue } from '../helpers/proc.js';

// Native accept (`nativeAccept: true`): the relay thread accepts and connects; JavaScript still
// decides. What a JavaScript session does at accept and connect must happen the same way: access
// rules, limits, retries on a refused or silent target, the fallback to Node for inspectors, and
// no descriptor left behind. (The relay behaviours themselves: relay-modes.test.ts, mode accept.)

const config = (
  listener: Record<string, unknown>,
  targets: string[],
  pool: Record<string, unknown> = {},
): ConfigInput => ({
  nativeAccept: true,
  listeners: { web: { bind: '127.0.0.1:0', pool: 'p', ...listener } },
  pools: { p: { targets, healthCheck: { type: 'none' }, ...pool } },
});

async function withLb(
  input: ConfigInput,
  fn: (lb: AppHarness) => Promise<void>,
  ...servers: TestServer[]
): Promise<void> {
  try {
    const lb = await startApp(input);
    try {
      assert.equal(lb.app.listeners().get('web')!.acceptsNatively, true);
      await fn(lb);
    } finally {
      await lb.stop();
    }
  } finally {
    for (const s of servers) await s.close();
  }
}

const at = (port: number): string => `127.0.0.1:${port}`;

test('native accept: access rules refuse at accept, as in Node', async (t) => {
  if (!needNative(t, 'accept')) return;
  const backend = await nameServer('served');
  await withLb(
    config({ allow: ['127.0.0.5'] }, [at(backend.port)]),
    async (lb) => {
      assert.equal(await client(lb.port(), '127.0.0.5').closed, 'served');
      assert.equal(await client(lb.port(), '127.0.0.6').closed, '');
      const denied = await eventually(() => lb.access().find((a) => a.reason === 'denied'));
      assert.equal(denied.client, '127.0.0.6');
    },
    backend,
  );
});

test('native accept: at maxConnections the relay thread stops accepting, a burst of clients waits in the backlog, none is closed', async (t) => {
  if (!needNative(t, 'accept')) return;
  const echo = await echoServer();
  await withLb(
    config({ maxConnections: 3 }, [at(echo.port)]),
    async (lb) => {
      const port = lb.port();
      // 20 at once: the thread accepts in batches, and must stop at 3 without JavaScript's word
      const cs = Array.from({ length: 20 }, (_, i) => client(port, '127.0.0.1', `c${i}.`));
      const served = (): number => cs.filter((c, i) => c.text() === `c${i}.`).length;
      const tally = (): string =>
        `${served()} served, ${acceptQueue(port) ?? '?'} in the backlog, ` +
        `${lb
          .access()
          .map((a) => String(a.reason))
          .join(',')} in the access log`;
      const until = (f: () => boolean, what: string): Promise<unknown> =>
        eventually(() => f() || undefined, 15_000).catch(() => assert.fail(`${what}: ${tally()}`));
      try {
        await until(() => served() === 3 && acceptQueue(port) === 17, '3 served, 17 waiting');
        const listener = lb.app.listeners().get('web')!;
        assert.equal(listener.paused, true);
        assert.equal(listener.totalConnections, 3, 'the waiting ones are not accepted');
        assert.deepEqual(lb.access(), [], `nothing refused or closed: ${tally()}`);
        // from now on each leaves once served: the others come in, three at a time
        for (const [i, c] of cs.entries()) {
          if (c.text() === `c${i}.`) c.sock.destroy();
          else c.sock.on('data', () => c.text() === `c${i}.` && c.sock.destroy());
        }
        await until(() => served() === 20, 'all 20 served');
        await until(() => lb.access().length === 20, 'all 20 logged');
        assert.ok(
          lb.access().every((e) => e.reason === 'client_close'),
          JSON.stringify(lb.access()),
        );
        await until(() => !listener.paused, 'accepting again');
      } finally {
        for (const c of cs) c.sock.destroy();
      }
    },
    echo,
  );
});

test('native accept: a refused target is retried on the next one; every target refusing ends as in JavaScript', async (t) => {
  if (!needNative(t, 'accept')) return;
  const echo = await echoServer();
  const dead = await freePort(); // nothing listens there: ECONNREFUSED
  await withLb(
    config({}, [at(dead), at(echo.port)]),
    async (lb) => {
      for (let i = 0; i < 4; i++) assert.equal((await exchange(lb.port(), `m${i}`)).toString(), `m${i}`);
      const ends = await eventually(() => (lb.access().length >= 4 ? lb.access() : undefined));
      assert.ok(
        ends.every((e) => e.reason === 'client_close' && e.target === at(echo.port)),
        JSON.stringify(ends),
      );
      assert.ok(ends.some((e) => e.attempts === 2));
    },
    echo,
  );
  const modes: Record<string, unknown>[] = [];
  for (const nativeAccept of [true, false]) {
    const lb = await startApp({ ...config({}, [at(dead)]), nativeAccept });
    try {
      // the client may see a reset (its byte was never read): both paths close it unanswered
      assert.equal(await client(lb.port(), '127.0.0.1', 'x').closed, '');
      modes.push(await eventually(() => lb.access()[0]));
    } finally {
      await lb.stop();
    }
  }
  const [native, js] = modes.map((m) => [m.reason, m.attempts, m.target]);
  assert.equal(native![0], 'connect_failed');
  assert.deepEqual(native, js);
});

test('native accept: a silent target times out (connectTimeout) and the next one serves', async (t) => {
  if (!needNative(t, 'accept')) return;
  if (!hasPython()) return t.skip('SKIPPED: python3 missing (apt-get install python3)');
  const hole = await blackhole();
  const echo = await echoServer();
  try {
    await withLb(
      config({}, [at(hole.port), at(echo.port)], { connectTimeout: '300ms' }),
      async (lb) => {
        const got = await Promise.all([0, 1].map((i) => exchange(lb.port(), `t${i}`, '127.0.0.1', 10_000)));
        assert.deepEqual(
          got.map((b) => b.toString()),
          ['t0', 't1'],
        );
        const ends = await eventually(() => (lb.access().length >= 2 ? lb.access() : undefined));
        assert.ok(
          ends.some((e) => e.attempts === 2 && e.target === at(echo.port)),
          JSON.stringify(ends),
        );
      },
      echo,
    );
  } finally {
    hole.close();
  }
});

test('native accept: a PROXY-header listener (an inspector) is served through Node, judged on the advertised client', async (t) => {
  if (!needNative(t, 'accept')) return;
  const backend = await nameServer('served');
  const header = (c: string): string => `PROXY TCP4 ${c} 127.0.0.1 40000 80\r\n`;
  await withLb(
    config({ proxyProtocol: { accept: true, trusted: ['127.0.0.1'], untrusted: 'serve' }, deny: ['10.6.6.6'] }, [
      at(backend.port),
    ]),
    async (lb) => {
      assert.equal(await client(lb.port(), '127.0.0.1', header('10.1.1.1')).closed, 'served');
      assert.equal(await client(lb.port(), '127.0.0.1', header('10.6.6.6')).closed, '');
      const ends = await eventually(() => (lb.access().length >= 2 ? lb.access() : undefined));
      assert.deepEqual(ends.map((e) => `${String(e.reason)} ${String(e.client)}`).sort(), [
        'backend_close 10.1.1.1',
        'denied 10.6.6.6',
      ]);
    },
    backend,
  );
});

test('native accept: 200 connections leave no descriptor behind', async (t) => {
  if (!needNative(t, 'accept')) return;
  const echo = await echoServer();
  const fds = (): number => readdirSync('/proc/self/fd').length;
  await withLb(
    config({}, [at(echo.port)]),
    async (lb) => {
      await exchange(lb.port(), 'warm-up');
      await eventually(() => lb.access().length >= 1 || undefined);
      const before = fds();
      for (let i = 0; i < 20; i++)
        await Promise.all(Array.from({ length: 10 }, (_, j) => exchange(lb.port(), `c${i}.${j}`)));
      await eventually(() => lb.access().length >= 201 || undefined);
      assert.equal(lb.app.relayStatus().nativeConnections, 0);
      await eventually(() => fds() <= before || undefined, 5000, `fds back to ${before}`);
    },
    echo,
  );
});

/** Connects `n` clients to `port` from a child process; each sends a line after `go` on stdin. */
const LATE_CLIENTS = `
const net = require('node:net');
const fs = require('node:fs');
const [port, n, flag] = process.argv.slice(1);
const socks = [];
let connected = 0;
for (let i = 0; i < Number(n); i++) {
  const s = net.connect(Number(port), '127.0.0.1', () => {
    if (++connected === Number(n)) fs.writeFileSync(flag, 'connected');
  });
  s.setEncoding('utf8');
  s.on('error', () => undefined);
  socks.push(s);
}
process.stdin.once('data', async () => {
  const results = await Promise.all(socks.map((s, i) => new Promise((resolve) => {
    let got = '';
    s.on('data', (d) => { got += d; if (got === 'late ' + i + '\\n') { s.end(); resolve('ok'); } });
    s.on('error', (e) => resolve(e.code));
    s.on('close', () => resolve('closed after ' + got.length + ' bytes'));
    setTimeout(() => resolve('no echo within 15 s'), 15000);
    s.write('late ' + i + '\\n');
  })));
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
});
`;

test('native accept: connections the thread accepted just before a drain are served and drained, not dropped', async (t) => {
  if (!needNative(t, 'accept')) return;
  const echo = await echoServer();
  const dir = mkdtempSync(join(tmpdir(), 'late-accept-'));
  const flag = join(dir, 'connected');
  const n = 8;
  await withLb(
    config({}, [at(echo.port)]),
    async (lb) => {
      const listener = lb.app.listeners().get('web')!;
      const child = spawn(process.execPath, ['-e', LATE_CLIENTS, String(lb.port()), String(n), flag], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = once(child, 'exit');
      try {
        // JavaScript is held while the clients connect and the relay thread accepts them all: their
        // accept events wait, and the drain below starts before any of them is seen (as when an
        // upgrade hands the socket over in the middle of a burst).
        const cell = new Int32Array(new SharedArrayBuffer(4));
        const until = Date.now() + 20_000;
        while (!(existsSync(flag) && acceptQueue(lb.port()) === 0) && Date.now() < until) Atomics.wait(cell, 0, 0, 5);
        assert.ok(existsSync(flag), 'the clients connected');
        assert.equal(acceptQueue(lb.port()), 0, 'the thread accepted every client');
        assert.equal(listener.totalConnections, 0, 'none seen by JavaScript yet');
        let drainedWith: number | undefined;
        const drained = listener.drain(30_000).then(() => (drainedWith = lb.access().length));
        await new Promise((r) => setImmediate(r));
        child.stdin.write('go\n');
        await exited;
        assert.deepEqual(JSON.parse(out), Array<string>(n).fill('ok'), 'every late client served');
        await drained;
        assert.equal(listener.totalConnections, n);
        assert.equal(drainedWith, n, 'the drain ended after their sessions, not before');
      } finally {
        child.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    echo,
  );
});
