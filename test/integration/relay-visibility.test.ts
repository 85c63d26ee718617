import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { constants } from 'node:os';
import pino from 'pino';
import { App } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import { validateConfig } from '../../src/config/validate.js';
import { AccessLog } from '../../src/log/access-log.js';
import { loadRelayAddon } from '../../src/proxy/native-addon.js';
import { RelayChoice } from '../../src/proxy/relay-choice.js';
import { startCli } from '../helpers/cli.js';
import { echoServer, eventually, exchange, freePort } from '../helpers/net.js';

// The relay in use is never a secret: GET /api/status `relay`, the lb_relay_mode gauge, the
// start banner; and a failure of the native relay's thread is loud, closes its connections with
// a reason and leaves new connections to the JavaScript relay.

const built = loadRelayAddon().addon !== undefined;

function needNative(t: TestContext): boolean {
  if (built) return true;
  if (process.env.CI === 'true') assert.fail('the native relay is not built (needs g++: apt-get install g++)');
  t.skip('SKIPPED: native relay not built (apt-get install g++, then npm run build)');
  return false;
}

for (const relay of ['native', 'js'] as const) {
  test(`relay ${relay}: the banner, GET /api/status and /metrics say which relay runs and why`, async (t) => {
    if (relay === 'native' && !needNative(t)) return;
    const echo = await echoServer();
    const admin = await freePort();
    const token = 'relay-visibility';
    const lb = await startCli(
      [
        '0',
        '-b',
        `127.0.0.1:${echo.port}`,
        '--health-interval',
        '0',
        '--relay',
        relay,
        '--admin',
        `127.0.0.1:${admin}`,
      ],
      { env: { LB_ADMIN_TOKEN: token } },
    );
    try {
      const reason = relay === 'native' ? /^loaded .*relay\.node$/ : /^relay: js in the config$/;
      const line = /Relay: (\w+) \((.*)\)\n/.exec(lb.stdout());
      assert.ok(line, `banner: ${lb.stdout()}`);
      assert.equal(line[1], relay);
      assert.match(line[2]!, reason);
      const headers = { authorization: `Bearer ${token}` };
      const status = (await (await fetch(`http://127.0.0.1:${admin}/api/status`, { headers })).json()) as {
        relay: { mode: string; reason: string; nativeConnections: number; nativeAccept: string[] };
      };
      assert.equal(status.relay.mode, relay);
      assert.match(status.relay.reason, reason);
      assert.equal(status.relay.nativeConnections, 0);
      const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`, { headers })).text();
      assert.match(metrics, new RegExp(`^lb_relay_mode\\{mode="${relay}"\\} 1$`, 'm'));
      assert.match(metrics, new RegExp(`^lb_relay_mode\\{mode="${relay === 'js' ? 'native' : 'js'}"\\} 0$`, 'm'));
      // native accept is the default with the native relay; with the JavaScript relay Node accepts
      const accepting = relay === 'native' ? ['main'] : [];
      assert.match(lb.stdout(), relay === 'native' ? /^Accept: native \(main\)$/m : /^Accept: node$/m);
      assert.deepEqual(status.relay.nativeAccept, accepting);
      assert.match(metrics, new RegExp(`^lb_listener_native_accept\\{listener="main"\\} ${accepting.length}$`, 'm'));
    } finally {
      await lb.stop();
      await echo.close();
    }
  });
}

for (const nativeAccept of [false, true])
  test(`the relay thread fails${nativeAccept ? ' (native accept)' : ''}: its connections end with relay_failed, an error is logged, new connections relay in JavaScript`, async (t) => {
    if (!needNative(t)) return;
    const echo = await echoServer();
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const choice = new RelayChoice(loadRelayAddon, log);
    const app = new App({
      log,
      clock: systemClock(),
      random: Math.random,
      observer: new AccessLog(log, true),
      relay: choice,
    });
    const v = validateConfig({
      nativeAccept,
      listeners: { main: { bind: '127.0.0.1:0', pool: 'p' } },
      pools: { p: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
    });
    assert.ok(v.ok);
    try {
      await app.apply(v.config);
      const listener = app.listeners().get('main')!;
      assert.equal(listener.acceptsNatively, nativeAccept);
      const port = listener.port;
      const s = connect({ port, host: '127.0.0.1' });
      s.on('error', () => undefined);
      await once(s, 'connect');
      s.write('before');
      await once(s, 'data');
      await eventually(() => app.relayStatus().nativeConnections === 1 || undefined);
      const closed = once(s, 'close');
      // What an epoll_wait failure does (the addon's test hook makes the thread fail the same way).
      choice.native!.fault(constants.errno.EBADF);
      await closed;
      const end = await eventually(() => lines.find((l) => l.access)?.access as Record<string, unknown> | undefined);
      assert.equal(end.reason, 'relay_failed');
      const error = await eventually(() => lines.find((l) => String(l.msg).startsWith('NATIVE RELAY FAILED')));
      assert.equal(error.level, 50);
      assert.match(String(error.msg), /EBADF/);
      const status = app.relayStatus();
      assert.equal(status.mode, 'js');
      assert.match(status.reason, /native relay thread failed \(EBADF\)/);
      // a new connection still works, through the JavaScript relay (accepted by Node again, on the same socket)
      assert.equal(listener.acceptsNatively, false);
      assert.equal((await exchange(port, 'after')).toString(), 'after');
      assert.equal(app.relayStatus().nativeConnections, 0);
    } finally {
      await app.stop();
      await echo.close();
    }
  });
