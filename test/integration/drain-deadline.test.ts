import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import pino from 'pino';
import { App } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import { validateConfig } from '../../src/config/validate.js';
import { isIdle } from '../../src/listener/deadline-close.js';
import { AccessLog, fanout } from '../../src/log/access-log.js';
import type { ListenerObserver } from '../../src/listener/listener.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { echoServer, eventually } from '../helpers/net.js';

test('shutdown: the connections left at the drain deadline are closed idle first, counted by state and as `shutdown`', async () => {
  const echo = await echoServer();
  const v = validateConfig({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [`127.0.0.1:${echo.port}`], healthCheck: { type: 'none' } } },
  });
  assert.ok(v.ok);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const ref: { app?: App } = {};
  const metrics = new Metrics({ runtime: () => ref.app, processMetrics: false });
  // When the listener closes each one (called as it closes it): the spread of the closes.
  const closedAt: number[] = [];
  const timed: ListenerObserver = {
    ...metrics.observer,
    onDeadlineClose: (l, idle) => {
      closedAt.push(performance.now());
      metrics.observer.onDeadlineClose?.(l, idle);
    },
  };
  const app = new App({
    log,
    clock: systemClock(),
    random: Math.random,
    observer: fanout([new AccessLog(log, true), timed]),
  });
  ref.app = app;
  await app.apply(v.config);
  const listener = app.listeners().get('web')!;
  const socks: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < 3; i++) {
      const s = connect({ port: listener.port, host: '127.0.0.1' });
      s.on('error', () => undefined);
      socks.push(s);
      await once(s, 'connect');
      s.write('hi');
      await once(s, 'data');
    }
    const busy = socks[2]!;
    timer = setInterval(() => busy.writable && busy.write('x'), 20);
    // Two idle (no byte for a second), one busy.
    await eventually(
      () => [...listener.sessions()].filter((s) => isIdle(s, performance.now())).length === 2,
      10_000,
      'two idle connections',
    );
    const order: number[] = [];
    for (const [i, s] of socks.entries()) s.once('close', () => order.push(i));
    await app.shutdown(1500); // the window after it: 200 ms
    await eventually(() => order.length === 3, 5000, 'every client sees its close');
    assert.equal(order[2], 2, 'the busy connection is closed last');
    // 3 over 200 ms: at 0, ~67 and ~133 ms (later on a loaded machine, never sooner).
    assert.equal(closedAt.length, 3);
    assert.ok(closedAt[2]! - closedAt[0]! >= 120, `spread over ${closedAt[2]! - closedAt[0]!} ms, not in one instant`);

    const values = (await metrics.registry.getMetricsAsJSON()).find(
      (x) => x.name === 'lb_listener_deadline_closed_connections_total',
    )?.values;
    const count = (state: string): number | undefined =>
      values?.find((x) => x.labels.listener === 'web' && x.labels.state === state)?.value;
    assert.deepEqual([count('idle'), count('active')], [2, 1]);
    const access = lines.flatMap((l) => (l.msg === 'connection closed' ? [l.access as { reason: string }] : []));
    assert.deepEqual(
      access.map((a) => a.reason),
      ['shutdown', 'shutdown', 'shutdown'],
    );
    assert.ok(lines.some((l) => l.msg === 'drain deadline: closing 3 connection(s) over 200 ms, the 2 idle first'));
  } finally {
    clearInterval(timer);
    for (const s of socks) s.destroy();
    await app.stop();
    await echo.close();
  }
});
