import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http } from '../../helpers/http.js';
import { namedEcho, open } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { series } from '../../helpers/prom-text.js';
import { startStack } from '../../helpers/stack.js';

type TargetJson = { activeConnections: number; bytesFromClient: number; bytesToClient: number };

test('bytes of a connection still open show in the status and the metrics, and are not counted twice at its end', async () => {
  const a = await namedEcho('A'); // sends "A\n", then echoes
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [a.address], healthCheck: { type: 'none' } } },
  });
  const target = async (): Promise<TargetJson> =>
    (await http(`${s.url}/api/pools/web/targets/${a.address}`)).json as TargetJson;
  const bytes = async (): Promise<number[]> => {
    const text = (await http(`${s.url}/metrics`)).text;
    return [
      `lb_listener_received_bytes_total{listener="main"}`,
      `lb_listener_sent_bytes_total{listener="main"}`,
      `lb_pool_received_bytes_total{pool="web"}`,
      `lb_target_sent_bytes_total{pool="web",target="${a.address}"}`,
    ].map((k) => series(text, k) ?? -1);
  };
  try {
    const c = await open(s.port());
    const payload = 'x'.repeat(1000);
    assert.equal((await c.echo(payload)).length, 1000);
    const live = await target();
    assert.deepEqual([live.activeConnections, live.bytesFromClient, live.bytesToClient], [1, 1000, 1002]);
    assert.deepEqual(await bytes(), [1000, 1002, 1000, 1002]);
    await c.close();
    await eventually(async () => (await target()).activeConnections === 0);
    const done = await target();
    assert.deepEqual([done.bytesFromClient, done.bytesToClient], [1000, 1002]);
    assert.deepEqual(await bytes(), [1000, 1002, 1000, 1002]);
  } finally {
    await s.stop();
    await a.close();
  }
});
