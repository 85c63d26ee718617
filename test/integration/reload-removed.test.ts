import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { configDir } from '../helpers/config-file.js';
import { echoStream } from '../helpers/echo-stream.js';
import { http } from '../helpers/http.js';
import { namedEcho, open, whoServes, type Conn } from '../helpers/named-echo.js';
import { echoServer, eventually, exchange, freePort } from '../helpers/net.js';

const adminUrl = (lb: RunningCli): string => /Admin API listening on (http:\/\/\S+)\n/.exec(lb.stdout())?.[1] ?? '';
const appliedBy = (lb: RunningCli, source: string, version: number): boolean =>
  lb.logs().some((l) => String(l.msg).startsWith(`config version ${version} applied (${source})`));
type Access = { target?: string; reason: string; bytesFromClient: number };
const accessLines = (lb: RunningCli): Access[] =>
  lb.logs().flatMap((l) => (l.msg === 'connection closed' ? [l.access as Access] : []));

/** Whether a connection to `port` is refused (nothing listens there any more). */
const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });

test('reload: a target removed under load drains (its connections finish intact, new ones avoid it, the status shows it until the last ends)', async () => {
  const [a, b] = await Promise.all([namedEcho('A'), namedEcho('B')]);
  const files = configDir();
  const write = (targets: string[]): string =>
    files.write('lb.yaml', {
      listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets, healthCheck: { type: 'none' } } },
      admin: { bind: '127.0.0.1:0' },
    });
  const file = write([a.address, b.address]);
  const lb = await startCli(['--config', file, '--log-format', 'json']);
  const url = adminUrl(lb);
  type Target = { address: string; removed: boolean; activeConnections: number };
  const pool = async () =>
    ((await http(`${url}/api/status`)).json as { pools: { targets: Target[]; draining: Target[] }[] }).pools[0]!;
  const conns: Conn[] = [];
  try {
    while (conns.filter((c) => c.name === 'B').length < 2) conns.push(await open(lb.port));
    const onB = conns.filter((c) => c.name === 'B');
    write([a.address]);
    lb.proc.kill('SIGHUP');
    await eventually(() => appliedBy(lb, 'signal', 2), 10_000, 'the reload');

    let p = await pool();
    assert.deepEqual(
      p.targets.map((t) => t.address),
      [a.address],
    );
    assert.deepEqual(
      p.draining.map((t) => [t.address, t.removed, t.activeConnections]),
      [[b.address, true, 2]],
    );
    for (let i = 0; i < 6; i++)
      assert.equal(await whoServes(lb.port), 'A', 'a new connection avoids the removed target');
    await eventually(() => accessLines(lb).length >= 6, 5000, 'the access log of the new connections');
    assert.deepEqual(new Set(accessLines(lb).map((l) => l.target)), new Set([a.address]));

    // The removed target's connections go on, both ways, byte for byte.
    const text = 'x'.repeat(50_000);
    for (const c of onB) assert.equal(await c.echo(text), text);
    await onB[0]!.close();
    await eventually(async () => (await pool()).draining[0]?.activeConnections === 1, 5000, 'one left');
    await onB[1]!.close();
    await eventually(async () => (await pool()).draining.length === 0, 5000, 'the drained target leaves the status');
    p = await pool();
    assert.deepEqual(
      p.targets.map((t) => t.address),
      [a.address],
    );
    const ofB = await eventually(
      () => {
        const lines = accessLines(lb).filter((l) => l.target === b.address);
        return lines.length === 2 ? lines : undefined;
      },
      5000,
      'the access log of both connections of the removed target',
    );
    for (const l of ofB) {
      assert.equal(l.reason, 'client_close');
      assert.equal(l.bytesFromClient, text.length);
    }
  } finally {
    for (const c of conns) c.sock.destroy();
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all([a.close(), b.close()]);
  }
});

test('--watch: an edited file removes a listener (its open connection keeps working until it ends) and adds one that accepts', async () => {
  const echo = await echoServer();
  const [sidePort, thirdPort] = [await freePort(), await freePort()];
  const files = configDir();
  const configOf = (listeners: Record<string, number>) => ({
    listeners: Object.fromEntries(
      Object.entries(listeners).map(([name, port]) => [name, { bind: `127.0.0.1:${port}`, pool: 'web' }]),
    ),
    pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
  });
  const file = files.write('lb.yaml', configOf({ main: 0, side: sidePort }));
  const lb = await startCli(['--config', file, '--watch', '--log-format', 'json', '--no-access-log']);
  try {
    const stream = await echoStream(sidePort);
    await eventually(() => stream.received() > 0, 5000, 'bytes through the side listener');
    files.replace('lb.yaml', configOf({ main: 0, third: thirdPort })); // as editors save: a new file renamed over
    await eventually(() => appliedBy(lb, 'watch', 2), 10_000, 'the reload of the edited file, without a signal');
    const log = lb.logs().find((l) => String(l.msg).startsWith('config version 2 applied'))!;
    assert.deepEqual((log.reload as { changes: string[] }).changes, ['+ listener third', '- listener side']);

    assert.ok(await refused(sidePort), 'the removed listener accepts no more');
    assert.equal((await exchange(thirdPort, 'third')).toString(), 'third', 'the added listener accepts');
    assert.equal((await exchange(lb.port, 'main')).toString(), 'main', 'the kept listener still serves');
    const mark = stream.received();
    await eventually(() => stream.received() > mark + 100_000, 10_000, 'bytes still flowing on the open connection');
    const r = await stream.finish();
    assert.equal(r.received, r.sent);
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await echo.close();
  }
});
