import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needNative } from '../helpers/native-relay.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { eventually, exchange, nameServer, tcpServer, type TestServer } from '../helpers/net.js';

// A backend that dies resets the connections still in its accept queue: connected, nothing sent
// either way. Such a connection is a failed connect and the client gets another target; once a
// byte went to the backend it never is (the request may have run), with either relay.

const access = (lb: RunningCli) =>
  lb.logs().flatMap((l) => (l.access ? [l.access as { target?: string; attempts?: number; reason?: string }] : []));

/** Round robin over `backends`; no active checks and `fall` 100: nothing but clients reaches them, and they go to each in turn. */
const startLb = (mode: string, backends: readonly TestServer[]): Promise<RunningCli> =>
  startCli([
    '0',
    '-b',
    backends.map((b) => `127.0.0.1:${b.port}`).join(','),
    '--health-interval',
    '0',
    '--fall',
    '100',
    ...(mode === 'accept' ? ['--relay', 'native', '--native-accept'] : ['--relay', mode]),
    '--log-format',
    'json',
  ]);

for (const mode of ['native', 'js', 'accept'] as const) {
  test(`redial (${mode} relay): a backend that resets before a byte went either way costs the client nothing`, async (t) => {
    if (!needNative(t, mode)) return;
    let resets = 0;
    // accepts and resets at once: what a dying backend does to its accept queue
    const dying = await tcpServer((s) => {
      resets++;
      s.resetAndDestroy();
    });
    const b = await nameServer('B');
    const lb = await startLb(mode, [dying, b]);
    try {
      const got: string[] = [];
      // the client sends nothing and waits for the server's word: only the target can speak first
      for (let i = 0; i < 10; i++) got.push((await exchange(lb.port)).toString());
      assert.deepEqual(got, Array<string>(10).fill('B'), 'every client served by B');
      assert.ok(resets >= 4, `round robin sent clients to the dying backend: ${resets}`);
      await eventually(() => access(lb).length === 10, 10_000, 'the access log');
      const entries = access(lb);
      assert.equal(entries.filter((e) => e.attempts === 2).length, resets, 'each reset client redialed once');
      assert.ok(entries.every((e) => e.target === `127.0.0.1:${b.port}`));
      // (a reset that Node reports before its connect event is an ordinary failed connect)
      assert.match(lb.stdout(), /connect to 127\.0\.0\.1:\d+ failed: (ECONNRESET before any byte|connect ECONNRESET)/);
    } finally {
      await lb.stop();
      await Promise.all([dying.close(), b.close()]);
    }
  });

  test(`redial (${mode} relay): once bytes went to the backend, its reset reaches the client and nothing is replayed`, async (t) => {
    if (!needNative(t, mode)) return;
    const seen: string[] = [];
    // reads the request, then dies without answering
    const crashing = await tcpServer((s) =>
      s.once('data', (d: Buffer) => {
        seen.push(`crashing:${d.toString()}`);
        s.resetAndDestroy();
      }),
    );
    const echo = await tcpServer((s) => {
      s.on('data', (d: Buffer) => seen.push(`echo:${d.toString()}`));
      s.pipe(s);
    });
    const lb = await startLb(mode, [crashing, echo]);
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++)
        outcomes.push(
          await exchange(lb.port, `req${i}`).then(
            (r) => r.toString(),
            (e: NodeJS.ErrnoException) => `error ${e.code}`,
          ),
        );
      const toCrashing = seen.filter((s) => s.startsWith('crashing:'));
      assert.ok(toCrashing.length >= 2, seen.join(','));
      assert.equal(seen.length, 6, `each request reached one backend, once: ${seen.join(',')}`);
      for (let i = 0; i < 6; i++) {
        if (seen.includes(`crashing:req${i}`)) assert.notEqual(outcomes[i], `req${i}`, 'not replayed elsewhere');
        else assert.equal(outcomes[i], `req${i}`);
      }
      await eventually(() => access(lb).length === 6, 10_000, 'the access log');
      const entries = access(lb);
      assert.equal(entries.filter((e) => e.reason === 'backend_reset').length, toCrashing.length);
      assert.ok(entries.every((e) => e.attempts === 1));
    } finally {
      await lb.stop();
      await Promise.all([crashing.close(), echo.close()]);
    }
  });
}
