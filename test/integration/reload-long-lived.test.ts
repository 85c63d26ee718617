import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCli } from '../helpers/cli.js';
import { configDir } from '../helpers/config-file.js';
import { echoStream } from '../helpers/echo-stream.js';
import { echoServer, eventually, exchange, freePort } from '../helpers/net.js';

const STREAMS = 4;
const RELOADS = 20;

test('reload: long-lived connections stay open across 20 SIGHUPs that add, remove and change pools, targets and listeners; every byte comes back', async () => {
  const echoes = await Promise.all([echoServer(), echoServer(), echoServer()]);
  const [e1, e2, e3] = echoes.map((e) => `127.0.0.1:${e.port}`) as [string, string, string];
  const extraPort = await freePort();
  const files = configDir();
  // Reload i: each edit moves something the open connections depend on (their target, their
  // pool, the listener's pool), and every so often a listener and a pool come and go.
  const configFor = (i: number) => ({
    listeners: {
      main: {
        bind: '127.0.0.1:0',
        pool: i % 5 === 3 ? 'other' : 'web',
        ...(i % 3 === 1 ? { maxConnections: 50 } : {}),
      },
      ...(i % 4 === 0 || i % 4 === 3 ? { extra: { bind: `127.0.0.1:${extraPort}`, pool: 'other' } } : {}),
    },
    pools: {
      web: {
        algorithm: i % 2 === 0 ? 'round-robin' : 'least-connections',
        targets: [
          [e1, e2],
          [e1, e2, e3],
          [e3], // the targets of the open connections are gone: they drain, still serving
          [{ address: e2, weight: 3 }, e1],
        ][i % 4],
        healthCheck: { type: 'tcp', interval: i % 2 === 0 ? '1s' : '700ms', timeout: '500ms' },
        connectTimeout: i % 3 === 0 ? '2s' : '3s',
      },
      other: { targets: [e3], healthCheck: { type: 'none' } },
      ...(i % 2 === 1 ? { spare: { targets: [e1], retries: i % 3 } } : {}),
    },
  });
  const file = files.write('lb.yaml', configFor(0));
  const lb = await startCli(['--config', file, '--log-format', 'json', '--no-access-log']);
  const applied = (version: number): boolean =>
    lb.logs().some((l) => typeof l.msg === 'string' && l.msg.startsWith(`config version ${version} applied (signal)`));
  try {
    const streams = await Promise.all(Array.from({ length: STREAMS }, () => echoStream(lb.port)));
    const flowing = async (what: string): Promise<void> => {
      const marks = streams.map((s) => [s.sent(), s.received()] as const);
      await eventually(
        () => streams.every((s, n) => s.sent() > marks[n]![0] && s.received() > marks[n]![1]),
        10_000,
        `bytes both ways on every connection ${what}`,
      );
    };
    await flowing('before the first reload');
    for (let i = 1; i <= RELOADS; i++) {
      files.write('lb.yaml', configFor(i));
      lb.proc.kill('SIGHUP');
      await eventually(() => applied(i + 1), 10_000, `config version ${i + 1}`);
      await flowing(`after reload ${i}`);
      assert.deepEqual(
        streams.map((s) => s.broken()),
        streams.map(() => undefined),
      );
    }
    // The last config still serves new connections, on the kept listener and the added one (RELOADS % 4 === 0).
    assert.equal((await exchange(lb.port, 'new after reloads')).toString(), 'new after reloads');
    assert.equal((await exchange(extraPort, 'extra')).toString(), 'extra');

    const results = await Promise.all(streams.map((s) => s.finish()));
    for (const r of results) {
      assert.ok(r.bytes > 0);
      assert.equal(r.received, r.sent, 'SHA-256 of the bytes echoed equals that of the bytes sent');
    }
    assert.equal(lb.logs().filter((l) => /reload .* failed/.test(String(l.msg))).length, 0);
  } finally {
    assert.equal(await lb.stop(), 0);
    files.remove();
    await Promise.all(echoes.map((e) => e.close()));
  }
});
