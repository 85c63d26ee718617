import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startCli } from '../helpers/cli.js';
import { echoServer, eventually } from '../helpers/net.js';

const roundTrip = async (s: ReturnType<typeof connect>, text: string): Promise<string> => {
  s.write(text);
  const [d] = (await once(s, 'data')) as [Buffer];
  return d.toString();
};

test('SIGTERM drains: no new connections, open ones finish, then exit 0', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--log-format', 'json']);
  const s = connect({ port: lb.port, host: '127.0.0.1' });
  await once(s, 'connect');
  assert.equal(await roundTrip(s, 'before'), 'before');
  lb.proc.kill('SIGTERM');
  await eventually(() => lb.stdout().includes('SIGTERM received'), 10_000);
  // new connections are refused
  const refused = await new Promise<string>((resolve) => {
    const n = connect({ port: lb.port, host: '127.0.0.1' });
    n.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    n.on('connect', () => resolve('connected'));
  });
  assert.equal(refused, 'ECONNREFUSED');
  // the open one still works
  assert.equal(await roundTrip(s, 'during'), 'during');
  assert.equal(lb.proc.exitCode, null, 'still running while a connection is open');
  s.end();
  assert.equal(await lb.exited, 0);
  await echo.close();
});

test('the drain timeout closes what is left, and the process still exits 0', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--drain-timeout', '300ms', '--log-format', 'json']);
  const s = connect({ port: lb.port, host: '127.0.0.1' });
  await once(s, 'connect');
  assert.equal(await roundTrip(s, 'hi'), 'hi'); // accepted and relayed, not still in the backlog
  const closed = once(s, 'close');
  const started = Date.now();
  lb.proc.kill('SIGTERM');
  await closed;
  assert.ok(Date.now() - started >= 250, 'kept open until the drain timeout');
  assert.equal(await lb.exited, 0);
  assert.ok(lb.logs().some((l) => (l.access as { reason?: string } | undefined)?.reason === 'shutdown'));
  await echo.close();
});

test('a second signal exits at once', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--drain-timeout', '30s', '--log-format', 'json']);
  const s = connect({ port: lb.port, host: '127.0.0.1' });
  s.on('error', () => undefined);
  await once(s, 'connect');
  const started = Date.now();
  lb.proc.kill('SIGINT');
  await eventually(() => lb.stdout().includes('SIGINT received'), 10_000, `SIGINT log line in: ${lb.stdout()}`);
  lb.proc.kill('SIGINT');
  await lb.exited;
  assert.ok(Date.now() - started < 10_000, 'long before the 30s drain timeout');
  s.destroy();
  await echo.close();
});
