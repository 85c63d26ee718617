import { test } from 'node:test';
import assert from 'node:assert/strict';
import { risesOf, startCli } from '../helpers/cli.js';
import { eventually, exchange, nameServer } from '../helpers/net.js';

test('failover: a backend killed mid-run costs no client an error; it rejoins once checks pass', async () => {
  const s1 = await nameServer('s1');
  let s2 = await nameServer('s2');
  const s3 = await nameServer('s3');
  const port2 = s2.port;
  const lb = await startCli([
    '0',
    '-b',
    [s1, s2, s3].map((s) => `127.0.0.1:${s.port}`).join(','),
    '--health-interval',
    '100ms',
    '--health-timeout',
    '80ms',
    '--rise',
    '2',
    '--fall',
    '2',
    '--log-format',
    'json',
  ]);
  try {
    const first = [];
    for (let i = 0; i < 6; i++) first.push((await exchange(lb.port, '')).toString());
    assert.deepEqual(first.sort(), ['s1', 's1', 's2', 's2', 's3', 's3']);
    await s2.close();
    // every connection after the kill still gets an answer, at once (retry on another target)
    const after: string[] = [];
    for (let i = 0; i < 30; i++) after.push((await exchange(lb.port, '')).toString());
    assert.ok(
      after.every((s) => s === 's1' || s === 's3'),
      after.join(','),
    );
    await eventually(() => lb.stdout().includes(`target 127.0.0.1:${port2} DOWN after`), 5000, 'DOWN log line');
    assert.match(
      lb.stdout(),
      new RegExp(`target 127\\.0\\.0\\.1:${port2} DOWN after \\d+ failed (checks|connections): connect ECONNREFUSED`),
    );
    // recovery: the same port comes back and rejoins: after one successful check when traffic
    // marked it DOWN, after `rise` when its checks did
    s2 = await nameServer('s2', port2);
    const downByTraffic = lb.stdout().includes(`target 127.0.0.1:${port2} DOWN after 2 failed connections`);
    const up = downByTraffic ? 'UP after 1 successful check' : 'UP after 2 successful checks';
    await eventually(() => risesOf(lb, `127.0.0.1:${port2}`).length > 0, 5000, 'UP log line');
    assert.deepEqual(risesOf(lb, `127.0.0.1:${port2}`), [`target 127.0.0.1:${port2} ${up}`]);
    const back = [];
    for (let i = 0; i < 6; i++) back.push((await exchange(lb.port, '')).toString());
    assert.ok(back.includes('s2'), back.join(','));
  } finally {
    await lb.stop();
    await Promise.all([s1.close(), s2.close(), s3.close()]);
  }
});
