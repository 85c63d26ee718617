import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../../src/config/schema.js';
import { http } from '../../helpers/http.js';
import { namedEcho, whoServes } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { series } from '../../helpers/prom-text.js';
import { startStack } from '../../helpers/stack.js';

type TargetJson = {
  address: string;
  admin: string;
  health: string;
  weight: number;
  fromConfig: boolean;
  lastChange: { cause: string } | null;
};
type StatusJson = { config: { version: number }; pools: { targets: TargetJson[]; changedAtRuntime: boolean }[] };

test('maint: the target is out of rotation and not health-checked; ready brings the checks back', async () => {
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: {
      web: {
        targets: [a.address, b.address],
        healthCheck: { interval: '100ms', timeout: '80ms', rise: 1, fall: 1 },
      },
    },
  });
  const T = `${s.url}/api/pools/web/targets`;
  try {
    await eventually(() => a.accepted() >= 2 && b.accepted() >= 2, 5000, 'checks of both targets');
    const r = await http(`${T}/${a.address}`, { method: 'PATCH', body: '{"state":"maint"}' });
    assert.equal(r.status, 200, r.text);
    // a check of A already on the wire lands within one check of B
    const b0 = b.accepted();
    await eventually(() => b.accepted() > b0, 5000, 'one more check of B');
    const a0 = a.accepted();
    const b1 = b.accepted();
    for (let i = 0; i < 3; i++) assert.equal(await whoServes(s.port()), 'B');
    await eventually(() => b.accepted() >= b1 + 3 + 4, 5000, 'four more checks of B');
    assert.equal(a.accepted(), a0, 'no check and no traffic reached the target in maint');

    const back = await http(`${T}/${a.address}`, { method: 'PATCH', body: '{"state":"ready"}' });
    assert.equal(back.status, 200);
    await eventually(() => a.accepted() > a0, 5000, 'checks of A again');
    await eventually(async () => {
      const st = (await http(`${s.url}/api/status`)).json as StatusJson;
      const t = st.pools[0]!.targets.find((x) => x.address === a.address)!;
      return t.health === 'healthy' && t.lastChange?.cause === 'after 1 successful check';
    });
  } finally {
    await s.stop();
    await Promise.all([a.close(), b.close()]);
  }
});

test('reload: admin states survive for targets the config names; runtime membership and weights reset', async () => {
  const [a, b, c] = await Promise.all([namedEcho('A'), namedEcho('B'), namedEcho('C')]);
  const input: ConfigInput = {
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [a.address, b.address], healthCheck: { type: 'none' } } },
  };
  const s = await startStack(input, { load: () => input });
  const T = `${s.url}/api/pools/web/targets`;
  try {
    assert.equal((await http(`${T}/${a.address}`, { method: 'PATCH', body: '{"state":"drain"}' })).status, 200);
    const added = await http(T, { method: 'POST', body: JSON.stringify({ address: c.address }) });
    assert.equal(added.status, 201);
    assert.match((added.json as { note: string }).note, /the next reload removes it/);
    assert.deepEqual(new Set([await whoServes(s.port()), await whoServes(s.port())]), new Set(['B', 'C']));
    assert.equal((await http(`${T}/${b.address}`, { method: 'PATCH', body: '{"weight":7}' })).status, 200);

    const r = await http(`${s.url}/api/reload`, { method: 'POST' });
    assert.equal(r.status, 200, r.text);
    const reload = (r.json as { reload: { ok: boolean; version: number; summary: { pools: { changed: string[] } } } })
      .reload;
    assert.deepEqual([reload.ok, reload.version, reload.summary.pools.changed], [true, 2, ['web']]);

    const st = (await http(`${s.url}/api/status`)).json as StatusJson;
    assert.equal(st.config.version, 2);
    assert.deepEqual(
      st.pools[0]!.targets.map((t) => [t.address, t.admin, t.weight, t.fromConfig]),
      [
        [a.address, 'drain', 1, true],
        [b.address, 'ready', 1, true],
      ],
    );
    assert.ok(!st.pools[0]!.changedAtRuntime);
    for (let i = 0; i < 3; i++) assert.equal(await whoServes(s.port()), 'B');

    const text = (await http(`${s.url}/metrics`)).text;
    assert.equal(series(text, 'lb_config_reloads_total{source="api",result="success"}'), 1);
    assert.equal(series(text, 'lb_config_last_reload_successful'), 1);
  } finally {
    await s.stop();
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});
