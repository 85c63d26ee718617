import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, startApp } from '../helpers/app-harness.js';
import { eventually, nameServer, tcpServer } from '../helpers/net.js';
import { acceptQueue } from '../helpers/proc.js';

const pool = (port: number) => ({ targets: [`127.0.0.1:${port}`], healthCheck: { type: 'none' as const } });

test('allow/deny: denied sources are closed at once and logged, allowed ones served', async () => {
  const backend = await nameServer('served');
  const lb = await startApp({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p', allow: ['127.0.0.0/29'], deny: ['127.0.0.3'] } },
    pools: { p: pool(backend.port) },
  });
  try {
    assert.equal(await client(lb.port(), '127.0.0.2').closed, 'served');
    assert.equal(await client(lb.port(), '127.0.0.1').closed, 'served');
    assert.equal(await client(lb.port(), '127.0.0.3').closed, '', 'in allow but denied: deny wins');
    assert.equal(await client(lb.port(), '127.0.0.9').closed, '', 'outside allow');
    const denied = () => lb.access().filter((a) => a.reason === 'denied');
    await eventually(() => denied().length === 2, 5000, 'two denials logged');
    const rejected = denied();
    assert.deepEqual(rejected.map((r) => r.client).sort(), ['127.0.0.3', '127.0.0.9']);
    // the client can see its close before the balancer has logged the end of the connection
    await eventually(() => lb.access().filter((a) => a.reason === 'backend_close').length === 2, 5000, 'two ends');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('a denied client is closed before any byte is read or forwarded', async () => {
  const seen: string[] = [];
  const backend = await tcpServer((s) => s.on('data', (d: Buffer) => seen.push(d.toString())));
  const lb = await startApp({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p', deny: ['127.0.0.4/32'] } },
    pools: { p: pool(backend.port) },
  });
  try {
    const c = client(lb.port(), '127.0.0.4', 'secret');
    await c.closed;
    assert.equal(backend.sockets.size, 0);
    assert.deepEqual(seen, []);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('rate limit per client: the burst passes, the rest is closed with rate_limited; other clients unaffected', async () => {
  const backend = await nameServer('served');
  const lb = await startApp({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p', rateLimit: { perClient: 0.5, burst: 3 } } },
    pools: { p: pool(backend.port) },
  });
  try {
    const answers = await Promise.all(Array.from({ length: 6 }, () => client(lb.port(), '127.0.0.5').closed));
    assert.equal(answers.filter((a) => a === 'served').length, 3);
    assert.equal(answers.filter((a) => a === '').length, 3);
    assert.equal(await client(lb.port(), '127.0.0.6').closed, 'served', 'another source has its own bucket');
    const rateLimited = () => lb.access().filter((a) => a.reason === 'rate_limited');
    await eventually(() => rateLimited().length === 3, 5000, 'three refusals logged');
    const limited = rateLimited();
    assert.ok(limited.every((r) => r.client === '127.0.0.5' && /connections\/s/.test(String(r.detail))));
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('maxConnectionsPerClient: the cap holds while connections are open and frees as they close', async () => {
  const backend = await tcpServer((s) => {
    s.write('hi');
    s.on('end', () => s.end());
  });
  const lb = await startApp({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p', maxConnectionsPerClient: 2 } },
    pools: { p: pool(backend.port) },
  });
  try {
    const a = client(lb.port(), '127.0.0.7');
    const b = client(lb.port(), '127.0.0.7');
    await eventually(() => a.text() === 'hi' && b.text() === 'hi', 5000, 'two served');
    assert.equal(await client(lb.port(), '127.0.0.7').closed, '', 'the third is refused');
    const other = client(lb.port(), '127.0.0.8');
    await eventually(() => other.text() === 'hi', 5000, 'another client served');
    a.sock.destroy();
    await a.closed;
    // The slot is freed when the proxied connection closes on the balancer's side too.
    let c = client(lb.port(), '127.0.0.7');
    await eventually(async () => {
      await eventually(() => c.text() === 'hi' || c.sock.destroyed, 2000);
      if (c.text() !== 'hi') c = client(lb.port(), '127.0.0.7');
      return c.text() === 'hi';
    });
    assert.ok(lb.access().some((r) => r.reason === 'rate_limited' && /already has 2/.test(String(r.detail))));
    for (const s of [b, other, c]) s.sock.destroy();
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('listener maxConnections: beyond it clients wait in the backlog and are served once a connection closes', async () => {
  const backend = await tcpServer((s) => {
    s.write('hi');
    s.on('end', () => s.end());
  });
  const lb = await startApp({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p', maxConnections: 1 } },
    pools: { p: pool(backend.port) },
  });
  try {
    const first = client(lb.port(), '127.0.0.1');
    await eventually(() => first.text() === 'hi', 5000, 'first served');
    const second = client(lb.port(), '127.0.0.9');
    await eventually(() => acceptQueue(lb.port()) === 1, 5000, 'second in the backlog');
    assert.equal(second.text(), '', 'not served while the first holds the only slot');
    const paused = lb.logs().find((l) => /listener web stopped accepting/.test(String(l.msg)));
    assert.match(String(paused?.msg), /the listener holds its maxConnections \(1 open here/);
    first.sock.end();
    await first.closed;
    await eventually(() => second.text() === 'hi', 5000, 'second served once the first left');
    assert.ok(lb.logs().some((l) => /listener web accepting again after \d+ ms/.test(String(l.msg))));
    assert.ok(!lb.access().some((a) => a.reason === 'max_connections'), 'nobody was refused');
    second.sock.end();
    await second.closed;
  } finally {
    await lb.stop();
    await backend.close();
  }
});
