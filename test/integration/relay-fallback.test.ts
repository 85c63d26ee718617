import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { App } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import { validateConfig } from '../../src/config/validate.js';
import { AccessLog } from '../../src/log/access-log.js';
import { loadRelayAddon } from '../../src/proxy/native-addon.js';
import { RelayChoice } from '../../src/proxy/relay-choice.js';
import { startCli } from '../helpers/cli.js';
import { echoServer, eventually, exchange } from '../helpers/net.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));

test('no addon: relay auto falls back to JavaScript, relay native refuses with LB_ERR_NATIVE_RELAY', () => {
  const choice = new RelayChoice(() => undefined);
  choice.setMode('auto');
  assert.deepEqual(choice.status(), { relay: 'js', nativeConnections: 0 });
  assert.throws(
    () => choice.setMode('native'),
    (e: { code?: string }) => e.code === 'LB_ERR_NATIVE_RELAY',
  );
  choice.stop();
});

test('no addon: an App on relay auto relays in JavaScript', async () => {
  const echo = await echoServer();
  const v = validateConfig({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
  });
  assert.ok(v.ok);
  const log = pino({ level: 'silent' });
  const app = new App({
    log,
    clock: systemClock(),
    random: Math.random,
    observer: new AccessLog(log, false),
    relay: new RelayChoice(() => undefined),
  });
  try {
    await app.apply(v.config);
    assert.equal(app.relayStatus().relay, 'js');
    const port = app.listeners().get('main')!.port;
    assert.equal((await exchange(port, 'through js')).toString(), 'through js');
  } finally {
    await app.stop();
    await echo.close();
  }
});

test('build script: without a compiler it prints one line and succeeds (the install never fails)', () => {
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, '--force'], {
    env: { PATH: '/nonexistent', CXX: '' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^build-native: skipped \(no C\+\+ compiler.*relay: js$/);
  assert.equal(r.stderr, '');
});

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test('no descriptor leak: 300 connections through the CLI (closed, reset, half-closed) leave the fd count as it was', async () => {
  const echo = await echoServer();
  const relay = loadRelayAddon() ? 'native' : 'js';
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--health-interval', '0', '--relay', relay]);
  try {
    // one connection first, so that lazily opened descriptors (the relay thread's epoll) exist
    await exchange(lb.port, 'warm-up');
    await eventually(() => lb.logs().length >= 1 || undefined);
    const before = fdCount(lb.proc.pid!);
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          if (i % 3 !== 0) return exchange(lb.port, Buffer.alloc(20_000 * (i % 5), i));
          const s = connect({ port: lb.port, host: '127.0.0.1' });
          s.on('error', () => undefined);
          await once(s, 'connect');
          s.write('reset me');
          await once(s, 'data');
          s.resetAndDestroy();
        }),
      );
    }
    const ended = (): number => lb.logs().filter((l) => l.access).length;
    await eventually(() => ended() >= 301 || undefined, 15_000);
    await eventually(() => fdCount(lb.proc.pid!) <= before || undefined, 5000).catch(() => undefined);
    assert.ok(
      fdCount(lb.proc.pid!) <= before,
      `descriptors: ${before} before, ${fdCount(lb.proc.pid!)} after 300 connections`,
    );
  } finally {
    await lb.stop();
    await echo.close();
  }
});
