import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startCli } from '../helpers/cli.js';
import { eventually, tcpServer } from '../helpers/net.js';

test('half-close, client first: the backend sees EOF and can still answer', async () => {
  const backend = await tcpServer((s) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => s.end(`got ${n} bytes`));
  });
  const lb = await startCli(['0', '-b', `127.0.0.1:${backend.port}`, '--log-level', 'warn']);
  try {
    const s = connect({ port: lb.port, host: '127.0.0.1', allowHalfOpen: true });
    await once(s, 'connect');
    s.end(Buffer.alloc(100_000, 7)); // write, then FIN
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    await once(s, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'got 100000 bytes');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('half-close, backend first: the client sees EOF and can still send to the backend', async () => {
  let afterEof = '';
  let backendSawEnd = false;
  const backend = await tcpServer((s) => {
    s.end('hello'); // backend shuts its write side at once
    s.on('data', (c: Buffer) => (afterEof += c.toString()));
    s.on('end', () => (backendSawEnd = true));
  });
  // No health checks: a check's connection ending would look like the client's FIN here.
  const lb = await startCli(['0', '-b', `127.0.0.1:${backend.port}`, '--log-level', 'warn', '--health-interval', '0']);
  try {
    const s = connect({ port: lb.port, host: '127.0.0.1', allowHalfOpen: true });
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString()));
    const closed = once(s, 'close');
    await once(s, 'end');
    assert.equal(got, 'hello');
    s.end('still talking');
    await eventually(() => backendSawEnd, 3000, 'backend to see the client FIN');
    assert.equal(afterEof, 'still talking');
    await closed;
  } finally {
    await lb.stop();
    await backend.close();
  }
});

test('a backend reset is passed on to the client as a reset', async () => {
  const backend = await tcpServer((s) => {
    s.once('data', () => s.resetAndDestroy());
  });
  const lb = await startCli(['0', '-b', `127.0.0.1:${backend.port}`, '--log-format', 'json']);
  try {
    const s = connect({ port: lb.port, host: '127.0.0.1' });
    await once(s, 'connect');
    s.write('x');
    const [err] = (await once(s, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNRESET');
    const line = await eventually(() => lb.logs().find((l) => l.access));
    assert.equal((line.access as { reason: string }).reason, 'backend_reset');
  } finally {
    await lb.stop();
    await backend.close();
  }
});
