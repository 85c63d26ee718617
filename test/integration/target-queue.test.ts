import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, startApp } from '../helpers/app-harness.js';
import { eventually, tcpServer } from '../helpers/net.js';
import { Metrics } from '../../src/metrics/metrics.js';

/** A backend that greets, echoes, and closes when the client does. */
const greeter = () =>
  tcpServer((s) => {
    s.write('hi;');
    s.pipe(s);
  });

/** A balancer in front of one greeter capped at `maxConnections`, with these queue settings. */
async function capped(maxConnections: number, queue: { maxQueue?: number; queueTimeout: string }) {
  const backend = await greeter();
  const lb = await startApp({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: {
      p: {
        targets: [{ address: `127.0.0.1:${backend.port}`, maxConnections }],
        healthCheck: { type: 'none' },
        ...queue,
      },
    },
  });
  return { backend, lb };
}

test('per-target maxConnections: connections beyond the cap wait in the queue and are served when a slot frees', async () => {
  const { backend, lb } = await capped(2, { maxQueue: 2, queueTimeout: '5s' });
  const queue = lb.app.pools().get('p')!.pool.queue;
  const metrics = new Metrics({ runtime: () => lb.app, processMetrics: false });
  try {
    const c1 = client(lb.port());
    const c2 = client(lb.port());
    await eventually(() => c1.text() === 'hi;' && c2.text() === 'hi;', 5000, 'two served');
    const c3 = client(lb.port(), '127.0.0.1', 'queued-bytes;');
    const c4 = client(lb.port());
    await eventually(() => queue.length === 2, 5000, 'two queued');
    assert.match(await metrics.text(), /^lb_pool_queued_connections\{pool="p"\} 2$/m);
    assert.equal(backend.sockets.size, 2, 'the target never holds more than its maxConnections');
    // The queue is full: the next one fails fast.
    assert.equal(await client(lb.port()).closed, '');
    // A client that leaves while queued (a reset: a FIN alone is a half-close, which keeps its
    // place as in HAProxy without abortonclose) is removed from the queue.
    c4.sock.resetAndDestroy();
    await eventually(() => queue.length === 1, 5000, 'the departed client left the queue');
    c1.sock.end();
    // c3 gets the freed slot; the bytes it sent while waiting arrive first, none lost.
    await eventually(() => c3.text() === 'hi;queued-bytes;', 5000, 'queued client served');
    assert.equal(queue.length, 0);
    assert.equal(backend.sockets.size, 2);
    for (const c of [c2, c3]) c.sock.end();
    await Promise.all([c1.closed, c2.closed, c3.closed]);
    await eventually(() => lb.access().filter((a) => a.reason === 'client_close').length === 3, 5000, 'ends logged');
    assert.equal(lb.access().filter((a) => a.reason === 'client_reset' && a.target === undefined).length, 1);
    assert.equal(lb.access().filter((a) => a.reason === 'queue_full').length, 1);
    const served = lb.access().filter((a) => a.reason === 'client_close' && a.target !== undefined);
    assert.equal(served.length, 3, 'c1, c2, c3 reached the target');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('per-target maxConnections: a connection queued longer than queueTimeout is closed with queue_timeout', async () => {
  const { backend, lb } = await capped(1, { queueTimeout: '300ms' });
  try {
    const holder = client(lb.port());
    await eventually(() => holder.text() === 'hi;', 5000, 'first served');
    const started = Date.now();
    assert.equal(await client(lb.port(), '127.0.0.2', 'hello').closed, '');
    assert.ok(Date.now() - started >= 250, 'it waited for the queue timeout');
    await eventually(() => lb.access().some((a) => a.reason === 'queue_timeout'), 5000, 'queue_timeout logged');
    const entry = lb.access().find((a) => a.reason === 'queue_timeout')!;
    assert.equal(entry.client, '127.0.0.2');
    assert.equal(entry.target, undefined);
    assert.equal(backend.sockets.size, 1);
    holder.sock.end();
    await holder.closed;
  } finally {
    await lb.stop();
    await backend.close();
  }
});
