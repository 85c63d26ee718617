import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallsOf, risesOf, startCli, type RunningCli } from '../helpers/cli.js';
import { eventually, exchange, freePort, nameServer, type TestServer } from '../helpers/net.js';
import { http } from '../helpers/http.js';
import { namedEcho } from '../helpers/named-echo.js';
import { startStack } from '../helpers/stack.js';

const access = (lb: RunningCli): { reason?: string; target?: string; attempts?: number }[] =>
  lb.logs().flatMap((l) => (l.access ? [l.access as { reason?: string; target?: string; attempts?: number }] : []));

/**
 * The flip of issue 14: A dies and traffic marks it DOWN; then A comes back and B dies at the same
 * moment. Every target is DOWN by then although A is running: no client may be refused.
 */
async function flip(extra: readonly string[]): Promise<void> {
  let a: TestServer = await nameServer('A');
  let b: TestServer = await nameServer('B');
  const portA = a.port;
  const portB = b.port;
  // A long interval: the UP of A can only come from the fast re-probe, not from ordinary checks.
  const lb = await startCli([
    '0',
    '-b',
    `127.0.0.1:${portA},127.0.0.1:${portB}`,
    '--health-interval',
    '10s',
    '--log-format',
    'json',
    ...extra,
  ]);
  try {
    await a.close();
    const before: string[] = [];
    for (let i = 0; i < 10; i++) before.push((await exchange(lb.port, '')).toString());
    assert.deepEqual(new Set(before), new Set(['B']), before.join(','));
    await eventually(() => lb.stdout().includes(`target 127.0.0.1:${portA} DOWN after`), 10_000, 'A DOWN');
    // the flip: A back, B gone, in one go
    a = await nameServer('A', portA);
    await b.close();
    const after: string[] = [];
    for (let i = 0; i < 10; i++) after.push((await exchange(lb.port, '')).toString());
    assert.deepEqual(after, Array<string>(10).fill('A'), 'every request after the flip is served by A');
    // A is probed again at once and at the fast interval, and traffic marked it DOWN: UP on the
    // first check that passes, long before two 10 s checks. With workers, the failed connections
    // reach the primary's checker through the workers, and its own first checks (within a second
    // of the start, then at the fast interval once one failed) may mark A DOWN first: then it is
    // DOWN by checks, and `rise` (2) checks bring it back, still at the fast interval.
    const down = fallsOf(lb, `127.0.0.1:${portA}`)[0]!;
    const checks = down.includes('failed connections') ? '1 successful check' : '2 successful checks';
    await eventually(() => risesOf(lb, `127.0.0.1:${portA}`).length > 0, 8000, 'A UP by the fast re-probe');
    assert.deepEqual(risesOf(lb, `127.0.0.1:${portA}`), [`target 127.0.0.1:${portA} UP after ${checks}`], down);
    if (extra.length === 0) assert.match(down, /failed connections/, 'one process: traffic marked A DOWN');
    assert.ok(
      access(lb).every((e) => e.reason !== 'no_healthy_target' && e.reason !== 'panic'),
      'no client was refused',
    );
    b = await nameServer('B', portB);
  } finally {
    await lb.stop();
    await Promise.all([a.close(), b.close()]);
  }
}

test('panic: after a flip every target is DOWN while A runs: no request fails, A rises at once', async () => {
  await flip([]);
});

test('panic: the same flip with --workers 2', async () => {
  await flip(['--workers', '2']);
});

test('panic: with every target dead, the last resort is tried once, logged, and the client closed (panic)', async () => {
  const dead1 = await freePort();
  const dead2 = await freePort();
  const lb = await startCli([
    '0',
    '-b',
    `127.0.0.1:${dead1},127.0.0.1:${dead2}`,
    '--health-interval',
    '100ms',
    '--fall',
    '1',
    '--log-format',
    'json',
  ]);
  try {
    await eventually(() => lb.stdout().split(' DOWN after').length === 3, 10_000, 'both DOWN');
    const started = Date.now();
    assert.equal((await exchange(lb.port)).length, 0);
    assert.ok(Date.now() - started < 2000, 'closed at once, not left hanging');
    // The access log is written in batches: generous on a loaded machine.
    const end = await eventually(() => access(lb).find((e) => e.reason === 'panic'), 30_000, 'the panic access line');
    assert.equal(end.attempts, 2, 'both DOWN targets tried (retries 2), each once');
    assert.match(lb.stdout(), /pool default has no eligible target: trying DOWN targets as a last resort \(panic\)/);
  } finally {
    await lb.stop();
  }
});

test('panic is only for health: targets drained or in maintenance are never a last resort (no_healthy_target)', async () => {
  const a = await namedEcho('A');
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [a.address], healthCheck: { interval: '100ms', timeout: '80ms' } } },
  });
  try {
    const r = await http(`${s.url}/api/pools/web/targets/${a.address}`, { method: 'PATCH', body: '{"state":"drain"}' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await exchange(s.port(), '')).length, 0, 'refused');
    await eventually(async () => (await http(`${s.url}/metrics`)).text.includes('reason="no_healthy_target"'));
    assert.doesNotMatch((await http(`${s.url}/metrics`)).text, /lb_pool_panic_total\{pool="web"\} [1-9]/);
  } finally {
    await s.stop();
    await a.close();
  }
});
