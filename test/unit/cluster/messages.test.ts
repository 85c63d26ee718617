import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeToPrimary, decodeToWorker, IPC_VERSION } from '../../../src/cluster/messages.js';
import { config } from '../../helpers/app.js';

const cfg = config({ listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } }, pools: { web: {} } });
const stats = { connections: 0, listeners: [], pools: {} };
const spec = { id: '127.0.0.1:1', host: '127.0.0.1', port: 1, weight: 1, backup: false };

test('well-formed messages decode to the same values', () => {
  const good: unknown[] = [
    { v: 1, type: 'snapshot', version: 3, configVersion: 1, config: cfg, pools: { web: [] } },
    {
      v: 1,
      type: 'snapshot',
      version: 4,
      configVersion: 2,
      config: cfg,
      pools: { web: [{ spec: { ...spec, maxConnections: 5 }, health: 'unhealthy', admin: 'drain' }] },
    },
    { v: 1, type: 'drain', timeoutMs: 0 },
    { v: 1, type: 'request', id: 7, what: 'metrics' },
    { v: 1, type: 'connections', id: 8, pool: 'web', target: spec.id, limit: 200 },
  ];
  for (const m of good) assert.deepEqual(decodeToWorker(m), { ok: true, message: m });
  const up: unknown[] = [
    { v: 1, type: 'hello', pid: 42 },
    { v: 1, type: 'applied', version: 1, ok: false, error: { code: 'LB_ERR_LISTEN', message: 'in use' }, stats },
    { v: 1, type: 'passive', pool: 'web', target: spec.id, ok: false, detail: 'connect ECONNREFUSED' },
    { v: 1, type: 'metrics', id: 1, metrics: [{ name: 'x_total', values: [] }] },
    {
      v: 1,
      type: 'connections',
      id: 8,
      connections: [
        { client: '127.0.0.1:5000', listener: 'main', ageSeconds: 1.5, bytesFromClient: 3, bytesToClient: 4 },
      ],
    },
  ];
  for (const m of up) assert.deepEqual(decodeToPrimary(m), { ok: true, message: m });
});

test('malformed messages are refused with the reason, never thrown', () => {
  const bad: [unknown, RegExp][] = [
    [null, /protocol version undefined/],
    ['drain', /protocol version undefined/],
    [{ v: 2, type: 'drain', timeoutMs: 1 }, /protocol version 2, expected 1/],
    [{ v: IPC_VERSION, type: 'explode' }, /invalid IPC message/],
    [{ v: 1, type: 'drain', timeoutMs: -1 }, /timeoutMs/],
    [{ v: 1, type: 'drain', timeoutMs: 1, extra: true }, /invalid IPC message/],
    [{ v: 1, type: 'connections', id: 1, pool: 'web', target: spec.id, limit: 0 }, /limit/],
    [
      { v: 1, type: 'snapshot', version: 1, configVersion: 1, config: { pools: {} }, pools: {} },
      /config: not a config/,
    ],
    [
      {
        v: 1,
        type: 'snapshot',
        version: 1,
        configVersion: 1,
        config: cfg,
        pools: { web: [{ spec, health: 'sick', admin: 'ready' }] },
      },
      /pools\.web\.0\.health/,
    ],
  ];
  for (const [m, why] of bad) {
    const d = decodeToWorker(m);
    assert.equal(d.ok, false, JSON.stringify(m));
    if (!d.ok) assert.match(d.error, why);
  }
  const d = decodeToPrimary({ v: 1, type: 'passive', pool: '', target: 'x', ok: true, detail: '' });
  assert.equal(d.ok, false);
});
