import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../../helpers/cli.js';
import { startSupervised } from '../../helpers/supervised.js';
import { configDir } from '../../helpers/config-file.js';
import { echoServer, eventually } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

const UNIT = fileURLToPath(new URL('../../../contrib/systemd/tcp-loadbalancer.service', import.meta.url));

test('contrib/systemd/tcp-loadbalancer.service passes systemd-analyze verify, with the sandbox the issue lists', (t) => {
  if (!requireProgram(t, 'systemd-analyze', 'systemd')) return;
  const text = readFileSync(UNIT, 'utf8');
  for (const line of [
    'Type=notify',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'StateDirectory=tcp-loadbalancer',
  ])
    assert.ok(text.split('\n').includes(line), `missing: ${line}`);
  assert.match(text, /^LimitNOFILE=\d+$/m);
  assert.match(text, /USR2/, 'the upgrade signal is documented in the unit');
  // verify checks that ExecStart's program exists: point it at this checkout, nothing else changes.
  const dir = mkdtempSync(join(tmpdir(), 'lb-unit-'));
  try {
    const unit = join(dir, 'tcp-loadbalancer.service');
    writeFileSync(unit, text.replace('/usr/local/bin/loadbalancer', `${process.execPath} ${CLI}`));
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warning (an unknown or misspelled key is one)');
    // The check can fail: a misspelled key is reported.
    writeFileSync(
      unit,
      text.replace('/usr/local/bin/loadbalancer', process.execPath).replace('ProtectHome', 'ProtectHomes'),
    );
    const bad = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.match(bad.stderr, /Unknown key 'ProtectHomes'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sd_notify through a fake NOTIFY_SOCKET: READY at start, RELOADING then READY on SIGHUP, STOPPING on SIGTERM', async (t) => {
  if (!requireProgram(t, 'socat') || !requireProgram(t, 'systemd-notify', 'systemd')) return;
  const dir = mkdtempSync(join(tmpdir(), 'lb-notify-'));
  const sock = join(dir, 'notify');
  // A unix datagram socket standing in for systemd's (Node has none): socat prints what arrives.
  const fake = spawn('socat', ['-u', `UNIX-RECV:${sock},unlink-early`, 'STDOUT'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let got = '';
  fake.stdout.setEncoding('utf8').on('data', (d: string) => (got += d));
  const echo = await echoServer();
  const files = configDir();
  try {
    await eventually(() => spawnSync('test', ['-S', sock]).status === 0, 10_000, 'the fake notify socket');
    const file = files.write('lb.yaml', {
      listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
      pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
    });
    const lb = await startSupervised(['--config', file, '--log-format', 'json'], { env: { NOTIFY_SOCKET: sock } });
    try {
      await eventually(() => got.includes('READY=1'), 20_000, 'READY');
      assert.match(got, new RegExp(`MAINPID=${lb.proc.pid}`), 'the started process is the main PID');
      lb.proc.kill('SIGHUP');
      await eventually(
        () => /RELOADING=1\nMONOTONIC_USEC=\d+.*READY=1/s.test(got.slice(got.indexOf('MAINPID'))),
        20_000,
        'reload',
      );
      assert.equal(await lb.stop(), 0);
      assert.match(got, /STOPPING=1/);
      assert.ok(got.indexOf('STOPPING=1') > got.lastIndexOf('RELOADING=1'));
    } finally {
      await lb.stop('SIGKILL');
    }
  } finally {
    fake.kill();
    await echo.close();
    files.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
