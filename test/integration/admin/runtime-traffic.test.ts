import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http } from '../../helpers/http.js';
import { namedEcho, open, whoServes, type NamedEcho } from '../../helpers/named-echo.js';
import { eventually } from '../../helpers/net.js';
import { startStack, type Stack } from '../../helpers/stack.js';

type TargetJson = { address: string; admin: string; eligible: boolean; removed: boolean; activeConnections: number };
type PoolJson = { targets: TargetJson[]; draining: TargetJson[]; changedAtRuntime: boolean };

async function setup(): Promise<{ s: Stack; a: NamedEcho; b: NamedEcho; T: string; done: () => Promise<void> }> {
  const a = await namedEcho('A');
  const b = await namedEcho('B');
  const s = await startStack({
    listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
    pools: { web: { targets: [a.address, b.address], healthCheck: { type: 'none' } } },
  });
  return {
    s,
    a,
    b,
    T: `${s.url}/api/pools/web/targets`,
    done: async () => {
      await s.stop();
      await Promise.all([a.close(), b.close()]);
    },
  };
}

const pool = async (s: Stack): Promise<PoolJson> => (await http(`${s.url}/api/pools/web`)).json as PoolJson;

test('drain: the open connection keeps flowing, new connections avoid the target', async () => {
  const { s, a, b, T, done } = await setup();
  try {
    const c1 = await open(s.port());
    const [served, other] = c1.name === 'A' ? [a, b] : [b, a];
    const r = await http(`${T}/${served.address}`, { method: 'PATCH', body: '{"state":"drain"}' });
    assert.equal(r.status, 200, r.text);
    const t = (r.json as { target: TargetJson }).target;
    assert.deepEqual([t.admin, t.eligible, t.activeConnections], ['drain', false, 1]);
    assert.equal(await c1.echo('still flowing after drain'), 'still flowing after drain');
    for (let i = 0; i < 4; i++) assert.equal(await whoServes(s.port()), other.name);
    assert.equal(await c1.echo('and again'), 'and again');
    await c1.close();
    await eventually(async () => (await pool(s)).targets.every((x) => x.activeConnections === 0));
    const back = await http(`${T}/${served.address}`, { method: 'PATCH', body: '{"state":"ready"}' });
    assert.equal(back.status, 200);
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(await whoServes(s.port()));
    assert.deepEqual([...names].sort(), ['A', 'B'], 'back in rotation');
  } finally {
    await done();
  }
});

test('remove under traffic: the target drains its open connection; add it back and it serves again', async () => {
  const { s, a, b, T, done } = await setup();
  try {
    const c1 = await open(s.port());
    const [served, other] = c1.name === 'A' ? [a, b] : [b, a];
    const r = await http(`${T}/${served.address}`, { method: 'DELETE' });
    assert.equal(r.status, 200, r.text);
    assert.match((r.json as { note: string }).note, /^it drains: its 1 open connection finish, no new ones; /);
    let p = await pool(s);
    assert.deepEqual(
      p.targets.map((x) => x.address),
      [other.address],
    );
    assert.deepEqual(
      p.draining.map((x) => [x.address, x.removed, x.activeConnections]),
      [[served.address, true, 1]],
    );
    assert.ok(p.changedAtRuntime);
    assert.equal(await c1.echo('bytes after removal'), 'bytes after removal');
    for (let i = 0; i < 3; i++) assert.equal(await whoServes(s.port()), other.name);
    await c1.close();
    await eventually(async () => (await pool(s)).draining.length === 0, 5000, 'the removed target to finish');

    const add = await http(T, { method: 'POST', body: JSON.stringify({ address: served.address }) });
    assert.equal(add.status, 201, add.text);
    p = await pool(s);
    assert.ok(!p.changedAtRuntime, 'membership is back to the config');
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(await whoServes(s.port()));
    assert.deepEqual([...names].sort(), ['A', 'B']);
  } finally {
    await done();
  }
});

test('weight: new connections follow the weight set at runtime', async () => {
  const { s, a, T, done } = await setup();
  try {
    const r = await http(`${T}/${a.address}`, { method: 'PATCH', body: '{"weight":3}' });
    assert.equal(r.status, 200, r.text);
    const count = { A: 0, B: 0 };
    for (let i = 0; i < 40; i++) count[(await whoServes(s.port())) as 'A' | 'B']++;
    assert.ok(Math.abs(count.A - 30) <= 2, `3:1 expected, got ${JSON.stringify(count)}`);
  } finally {
    await done();
  }
});
