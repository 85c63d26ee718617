import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { configDir } from '../../helpers/config-file.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { killSupervised, startSupervised } from '../../helpers/supervised.js';

type Access = { reason: string; clientPort: number };

test('the drain deadline of an upgrade closes what is left spread over a short window, idle connections first', async () => {
  const echo = await echoServer();
  const files = configDir();
  const file = files.write('lb.yaml', {
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
    drainTimeout: '4s', // the window after it: 400 ms (src/listener/deadline-close.ts)
  });
  const lb = await startSupervised(['--config', file, '--log-format', 'json']);
  const socks: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const open = async (): Promise<Socket> => {
      const s = connect({ port: lb.port, host: '127.0.0.1' });
      s.on('error', () => undefined);
      socks.push(s);
      await once(s, 'connect');
      s.write('hello');
      await once(s, 'data'); // relayed by generation 1, not waiting in the backlog
      return s;
    };
    const idle = [await open(), await open(), await open()];
    const active = [await open(), await open(), await open()];
    // Bytes every 25 ms both ways, until the connection is closed.
    for (const s of active) timers.push(setInterval(() => s.writable && s.write('x'.repeat(100)), 25));
    // Read while open: a closed socket no longer knows its address.
    const ports = new Map(socks.map((s) => [s, s.localPort!]));
    const port = (s: Socket): number => ports.get(s)!;
    const closedAt = new Map<number, number>();
    for (const s of socks) s.once('close', () => closedAt.set(port(s), Date.now()));

    const upgradedAt = Date.now();
    lb.proc.kill('SIGUSR2');
    await eventually(() => closedAt.size === 6, 60_000, 'every connection of generation 1 closed');
    for (const [p, at] of closedAt) assert.ok(at - upgradedAt >= 3900, `port ${p} closed after the 4 s drain`);

    await eventually(() => /generation 1 \(pid \d+\) drained and exited/.test(lb.stdout()), 30_000, 'the exit');
    const logs = lb.logs();
    const deadline = logs.find((l) => String(l.msg).startsWith('drain deadline:'));
    assert.equal(deadline?.msg, 'drain deadline: closing 6 connection(s) over 400 ms, the 3 idle first');
    // The access log, in the order generation 1 closed them, with its time of each close.
    const closes = logs.flatMap((l) =>
      l.msg === 'connection closed' ? [{ ...(l.access as Access), at: Date.parse(String(l.time)) }] : [],
    );
    const mine = closes.filter((c) => socks.some((s) => port(s) === c.clientPort));
    assert.equal(mine.length, 6);
    for (const c of mine) assert.equal(c.reason, 'shutdown');
    const idlePorts = new Set(idle.map(port));
    assert.deepEqual(
      mine.map((c) => (idlePorts.has(c.clientPort) ? 'idle' : 'active')),
      ['idle', 'idle', 'idle', 'active', 'active', 'active'],
      'the idle ones first',
    );
    // 6 over 400 ms: the last about 333 ms after the first, as logged when each ended (the first
    // may end late on a loaded machine: the bound leaves room for that, never for one instant).
    const spread = mine[5]!.at - mine[0]!.at;
    assert.ok(spread >= 100, `spread over ${spread} ms, not in one instant`);
    assert.equal(lb.proc.exitCode, null, 'the started process serves on with generation 2');
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of socks) s.destroy();
    await killSupervised(lb);
    await echo.close();
    files.remove();
  }
});
