import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { App } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import { validateConfig } from '../../src/config/validate.js';
import { AccessLog } from '../../src/log/access-log.js';
import { loadRelayAddon, type AddonLoad } from '../../src/proxy/native-addon.js';
import { RelayChoice } from '../../src/proxy/relay-choice.js';
import { startCli } from '../helpers/cli.js';
import { echoServer, eventually, exchange } from '../helpers/net.js';
import { trafficPid } from '../helpers/supervised.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));

const NO_COMPILER: AddonLoad = { addon: undefined, reason: 'not built: no C++ compiler', expected: false };
const BROKEN: AddonLoad = { addon: undefined, reason: 'cannot load relay.node: bad ELF', expected: true };

function recorder(): { warn: string[]; error: string[]; log: { warn(m: string): void; error(m: string): void } } {
  const warn: string[] = [];
  const error: string[] = [];
  return { warn, error, log: { warn: (m) => warn.push(m), error: (m) => error.push(m) } };
}

test('no addon: relay auto falls back to JavaScript and says why, relay native refuses with LB_ERR_NATIVE_RELAY', () => {
  const r = recorder();
  const choice = new RelayChoice(() => NO_COMPILER, r.log);
  choice.setMode('auto');
  assert.deepEqual(choice.status(), { mode: 'js', reason: 'not built: no C++ compiler', nativeConnections: 0 });
  assert.deepEqual(r.warn, [], 'no compiler here: JavaScript is what was expected, no warning');
  assert.throws(
    () => choice.setMode('native'),
    (e: { code?: string; message: string }) =>
      e.code === 'LB_ERR_NATIVE_RELAY' && e.message.includes('not built: no C++ compiler'),
  );
  choice.stop();
});

test('no addon where one was expected (a compiler is present, or it does not load): a loud warning', () => {
  const r = recorder();
  const choice = new RelayChoice(() => BROKEN, r.log);
  choice.setMode('auto');
  assert.equal(r.warn.length, 1);
  assert.match(r.warn[0]!, /^NATIVE RELAY MISSING: relaying in JavaScript.*cannot load relay\.node: bad ELF/);
  assert.deepEqual(choice.status(), { mode: 'js', reason: BROKEN.reason, nativeConnections: 0 });
  choice.stop();
});

test('relay js is reported as the choice of the config', () => {
  const choice = new RelayChoice(() => assert.fail('relay: js must not load the addon'));
  choice.setMode('js');
  assert.deepEqual(choice.status(), { mode: 'js', reason: 'relay: js in the config', nativeConnections: 0 });
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
    relay: new RelayChoice(() => NO_COMPILER),
  });
  try {
    await app.apply(v.config);
    assert.equal(app.relayStatus().mode, 'js');
    const port = app.listeners().get('main')!.port;
    assert.equal((await exchange(port, 'through js')).toString(), 'through js');
  } finally {
    await app.stop();
    await echo.close();
  }
});

/** A copy of the build script and the native sources in a temporary tree (the script builds next to itself). */
function buildTree(source?: string): { dir: string; run(env: NodeJS.ProcessEnv): ReturnType<typeof spawnSync> } {
  const dir = mkdtempSync(join(tmpdir(), 'lb-build-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'native'));
  copyFileSync(BUILD_SCRIPT, join(dir, 'scripts', 'build-native.mjs'));
  symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(dir, 'node_modules')); // node-api-headers
  for (const file of ['relay.cc', 'udp-reply.cc', 'udp-receive.cc', 'napi-common.h', 'udp-engine.h'])
    copyFileSync(fileURLToPath(new URL(`../../native/${file}`, import.meta.url)), join(dir, 'native', file));
  if (source !== undefined) writeFileSync(join(dir, 'native', 'relay.cc'), source);
  return {
    dir,
    run: (env) =>
      spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs'), '--force'], { env, encoding: 'utf8' }),
  };
}

const buildStatus = (dir: string): { ok: boolean; message: string } =>
  JSON.parse(readFileSync(join(dir, 'native', 'build', 'build-status.json'), 'utf8')) as {
    ok: boolean;
    message: string;
  };

test('build script: without a compiler it warns on stderr, records why and succeeds (the install never fails)', () => {
  const tree = buildTree();
  try {
    const r = tree.run({ PATH: '/nonexistent', CXX: '' });
    assert.equal(r.status, 0, String(r.stderr));
    assert.equal(r.stdout, '');
    assert.match(
      String(r.stderr),
      /^build-native: WARNING: the native relay was NOT built \(no C\+\+ compiler: apt-get install g\+\+\)/,
    );
    assert.deepEqual(buildStatus(tree.dir).ok, false);
    // what the balancer says at start, from that record
    const load = loadRelayAddon(
      join(tree.dir, 'native', 'build', 'relay.node'),
      join(tree.dir, 'native', 'build', 'build-status.json'),
    );
    assert.equal(load.addon, undefined);
    assert.match(load.reason, /^not built: no C\+\+ compiler/);
  } finally {
    rmSync(tree.dir, { recursive: true, force: true });
  }
});

test('build script: a compile error is a WARNING naming the error, the install still succeeds', (t) => {
  if (spawnSync('g++', ['--version']).status !== 0) return t.skip('needs g++ (Debian package g++)');
  const tree = buildTree('this is not C++\n');
  try {
    const r = tree.run({ PATH: process.env.PATH });
    assert.equal(r.status, 0, String(r.stderr));
    assert.match(String(r.stderr), /^build-native: WARNING: the native relay was NOT built \(g\+\+ failed: .*error/);
    const status = buildStatus(tree.dir);
    assert.equal(status.ok, false);
    assert.match(status.message, /^g\+\+ failed: /);
    const load = loadRelayAddon(
      join(tree.dir, 'native', 'build', 'relay.node'),
      join(tree.dir, 'native', 'build', 'build-status.json'),
    );
    assert.equal(load.addon, undefined);
    assert.ok(
      load.addon === undefined && load.expected,
      'a compiler is present: the JavaScript relay was not expected',
    );
  } finally {
    rmSync(tree.dir, { recursive: true, force: true });
  }
});

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test('no descriptor leak: 300 connections through the CLI (closed, reset, half-closed) leave the fd count as it was', async () => {
  const echo = await echoServer();
  const relay = loadRelayAddon().addon ? 'native' : 'js';
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--health-interval', '0', '--relay', relay]);
  try {
    // one connection first, so that lazily opened descriptors (the relay thread's epoll) exist
    await exchange(lb.port, 'warm-up');
    await eventually(() => lb.logs().length >= 1 || undefined);
    const pid = trafficPid(lb.proc.pid!);
    const before = fdCount(pid);
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
    await eventually(() => fdCount(pid) <= before || undefined, 5000).catch(() => undefined);
    assert.ok(fdCount(pid) <= before, `descriptors: ${before} before, ${fdCount(pid)} after 300 connections`);
  } finally {
    await lb.stop();
    await echo.close();
  }
});
