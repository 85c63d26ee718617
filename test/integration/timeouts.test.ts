import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startCli } from '../helpers/cli.js';
import { echoServer, eventually, exchange, nameServer } from '../helpers/net.js';
import { blackhole, hasPython } from '../helpers/blackhole.js';

const reasonOf = (l: Record<string, unknown>): string | undefined =>
  (l.access as { reason?: string } | undefined)?.reason;

test('idle timeout closes a silent connection and spares a busy one', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--idle-timeout', '300ms', '--log-format', 'json']);
  try {
    const idle = connect({ port: lb.port, host: '127.0.0.1' });
    idle.on('error', () => undefined);
    const busy = connect({ port: lb.port, host: '127.0.0.1' });
    let echoed = 0;
    busy.on('data', (c: Buffer) => (echoed += c.length));
    await Promise.all([once(idle, 'connect'), once(busy, 'connect')]);
    const started = Date.now();
    const ticker = setInterval(() => busy.write('.'), 100);
    await once(idle, 'close');
    const idleFor = Date.now() - started;
    assert.ok(idleFor >= 250 && idleFor < 2000, `idle connection closed after ${idleFor}ms`);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(ticker);
    assert.equal(busy.destroyed, false, 'busy connection still open after 800ms with a 300ms idle timeout');
    assert.ok(echoed >= 5);
    busy.destroy();
    const line = await eventually(() => lb.logs().find((l) => reasonOf(l) === 'idle_timeout'));
    assert.ok(line);
  } finally {
    await lb.stop();
    await echo.close();
  }
});

test('idle timeout 0 disables it', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--idle-timeout', '0', '--log-level', 'warn']);
  try {
    const s = connect({ port: lb.port, host: '127.0.0.1' });
    await once(s, 'connect');
    await new Promise((r) => setTimeout(r, 600));
    s.write('ping');
    const [d] = (await once(s, 'data')) as [Buffer];
    assert.equal(d.toString(), 'ping');
    s.destroy();
  } finally {
    await lb.stop();
    await echo.close();
  }
});

test('connect timeout: an address that never answers is abandoned and the client retried elsewhere', async (t) => {
  if (!hasPython()) {
    if (process.env.CI === 'true') assert.fail('python3 is required (Debian package python3)');
    t.skip('SKIPPED: python3 not found (apt-get install python3)');
    return;
  }
  const hole = await blackhole();
  const good = await nameServer('good');
  try {
    const lb = await startCli([
      '0',
      '-b',
      `127.0.0.1:${hole.port}`,
      '--connect-timeout',
      '200ms',
      '--health-interval',
      '0',
      '--log-format',
      'json',
    ]);
    try {
      const started = Date.now();
      const reply = await exchange(lb.port);
      const took = Date.now() - started;
      assert.equal(reply.length, 0);
      assert.ok(took >= 180 && took < 2000, `closed after ${took}ms`);
      const line = await eventually(() => lb.logs().find((l) => reasonOf(l) === 'connect_timeout'));
      assert.equal((line.access as { attempts: number }).attempts, 1);
    } finally {
      await lb.stop();
    }
    // with a second target, the client is served after the timeout, by the other one
    const lb2 = await startCli([
      '0',
      '-b',
      `127.0.0.1:${hole.port},127.0.0.1:${good.port}`,
      '--connect-timeout',
      '200ms',
      '--health-interval',
      '0',
      '--log-level',
      'warn',
    ]);
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await exchange(lb2.port)).toString());
      assert.deepEqual(answers, ['good', 'good', 'good', 'good']);
    } finally {
      await lb2.stop();
    }
  } finally {
    hole.close();
    await good.close();
  }
});
