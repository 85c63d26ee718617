import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyChaosConfig, ourConfig, type ProxySpec } from '../../../src/chaos/configs.js';
import { parseResponse, percentile } from '../../../src/chaos/http-client.js';
import { parseOptions, SCENARIO_IDS } from '../../../src/chaos/options.js';
import { recoveryFrom } from '../../../src/chaos/scenario.js';
import { idleCount } from '../../../src/chaos/scenarios/idle-slowloris.js';
import { slope } from '../../../src/chaos/scenarios/soak.js';
import { errorsPer10k, renderTable, type ResultRow } from '../../../src/chaos/table.js';
import { renderRunsSummary, summarizeRuns } from '../../../src/chaos/runs-summary.js';
import { parseConfigText } from '../../../src/config/parse.js';

const spec: ProxySpec = {
  listeners: [
    { name: 'web', port: 9000, pool: 'web' },
    { name: 'pp', port: 9001, pool: 'web', kind: 'proxy-protocol' },
    { name: 'tls', port: 9002, pool: 'web', kind: 'tls' },
  ],
  pools: [{ name: 'web', targets: [{ port: 9101 }, { port: 9102, weight: 3 }] }],
  admin: { port: 9003, token: 't0k' },
  tls: { cert: '/c.crt', key: '/c.key', pem: '/c.pem' },
};

test('chaos: our config file is valid and says what HAProxy says (health, retries, listeners)', () => {
  const v = parseConfigText(ourConfig(spec), {});
  assert.ok(v.ok, JSON.stringify(v));
  const pool = v.config.pools.web!;
  assert.equal(pool.retries, 2);
  assert.deepEqual(
    pool.targets.map((t) => [`${t.host}:${t.port}`, t.weight]),
    [
      ['127.0.0.1:9101', 1],
      ['127.0.0.1:9102', 3],
    ],
  );
  assert.deepEqual(v.config.listeners.pp!.proxyProtocol?.trusted, ['127.0.0.1/32']);
  assert.equal(v.config.listeners.tls!.tls?.cert, '/c.crt');
  const h = haproxyChaosConfig(spec);
  for (const s of ['retries 2', 'option redispatch', 'mode tcp', 'bind 127.0.0.1:9001 accept-proxy'])
    assert.ok(h.includes(s), s);
  assert.match(h, /bind 127\.0\.0\.1:9002 ssl crt \/c\.pem/);
  assert.match(h, /server s2 127\.0\.0\.1:9102 weight 3 check inter 2s fall 3 rise 2/);
  assert.match(h, /stats auth admin:t0k/);
  assert.doesNotMatch(h, /maxconn/); // derived from the open-file limit unless given
  assert.match(haproxyChaosConfig({ ...spec, maxConn: 500 }), /^ {2}maxconn 500$/m);
});

test('chaos: responses are parsed only when complete', () => {
  const r = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok b2\nHTTP/1.1';
  assert.deepEqual(parseResponse(r), { length: 43, ok: true, backend: 'b2' });
  assert.equal(parseResponse(r.slice(0, 40)), undefined);
  assert.equal(parseResponse('HTTP/1.1 503 x\r\n\r\n')?.ok, false);
});

test('chaos: figures (percentile, recovery, slope, errors per 10k, idle scaled to the file limit)', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([], 99), undefined);
  const recs = [
    { at: 100, ok: false },
    { at: 110, ok: false },
    { at: 150, ok: true },
    { at: 160, ok: true },
  ];
  assert.equal(recoveryFrom(recs, 100), 50);
  assert.equal(recoveryFrom([{ at: 5, ok: true }], 0), 5);
  assert.equal(recoveryFrom([{ at: 5, ok: false }], 0), undefined);
  assert.equal(
    slope([
      [0, 1],
      [1, 3],
      [2, 5],
    ]),
    2,
  );
  assert.equal(errorsPer10k({ requests: 20_000, failed: 4, detail: '' }), 2);
  assert.equal(errorsPer10k({ detail: '' }), undefined);
  assert.equal(idleCount(9000, 1 << 20), 9000);
  assert.equal(idleCount(9000, 4096), 1048);
});

test('chaos: the table has a row per result, with dashes where a figure does not apply', () => {
  const t = renderTable([
    { scenario: 'flip', system: 'ours', figures: { requests: 10, failed: 0, recoveryMs: 12, detail: 'd' } },
    { scenario: 'worker-kill', system: 'HAProxy', note: 'not applicable (no equivalent)' },
  ]);
  const lines = t.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[2]!, /^\| flip +\| ours +\| 10 +\| 0 +\| 0 +\| – +\| 12 ms /);
  assert.match(lines[3]!, /not applicable/);
});

test('chaos options: --short is brief, --duration rescales, lists are checked', () => {
  const s = parseOptions(['--short']);
  assert.equal(s.scale.loadSeconds, 1);
  assert.deepEqual(s.only, SCENARIO_IDS);
  const d = parseOptions(['--duration', '20', '--only', 'flip,soak', '--systems', 'lb']);
  assert.deepEqual([d.scale.loadSeconds, d.scale.soakSeconds, d.only, d.systems], [20, 120, ['flip', 'soak'], ['lb']]);
  assert.equal(d.scale.streamBytes, 2 * parseOptions([]).scale.streamBytes); // the same rate, twice as long
  assert.throws(() => parseOptions(['--only', 'nope']), /unknown "nope"/);
  assert.throws(() => parseOptions(['--duration', '0']), /must be >= 1/);
  // Pinned as the bench is (proxy on CPU 0, the tool on CPU 1) unless told not to, or on one CPU.
  assert.deepEqual(parseOptions([]).pin, availableParallelism() >= 2 ? { proxyCpu: 0, loadCpu: 1 } : undefined);
  assert.equal(parseOptions(['--no-pin']).pin, undefined);
  assert.equal(parseOptions([]).runs, 1);
  assert.equal(parseOptions(['--runs', '3']).runs, 3);
  assert.throws(() => parseOptions(['--runs', '0']), /--runs: "0" must be an integer from 1 to 20/);
});

test('summarizeRuns: the median (min–max) of every run per scenario and system; rows without figures are left out', () => {
  const row = (system: string, requests: number, failed: number): ResultRow => ({
    scenario: 'churn-keepalive',
    system,
    figures: { requests, failed, detail: '' },
  });
  const runs = [
    [
      row('ours', 200_000, 71),
      row('HAProxy', 220_000, 71),
      { scenario: 'worker-kill', system: 'HAProxy', note: 'n/a' },
    ],
    [row('HAProxy', 180_000, 70), row('ours', 210_000, 71)],
    [row('ours', 100_000, 71), row('HAProxy', 200_000, 72)],
  ];
  const s = summarizeRuns(runs);
  assert.deepEqual(
    s.map((r) => [r.scenario, r.system, r.runs, r.requests, r.failed]),
    [
      ['churn-keepalive', 'ours', 3, [200_000, 210_000, 100_000], [71, 71, 71]],
      ['churn-keepalive', 'HAProxy', 3, [220_000, 180_000, 200_000], [71, 70, 72]],
      ['worker-kill', 'HAProxy', 0, [], []],
    ],
  );
  const text = renderRunsSummary(s, 3);
  assert.match(
    text,
    /\| churn-keepalive \| ours +\| 3\/3 +\| 200000 \(100000–210000\) \| 71 \(71–71\) +\| 3\.6 \(3\.4–7\.1\) +\|/,
  );
  assert.match(
    text,
    /\| churn-keepalive \| HAProxy \| 3\/3 +\| 200000 \(180000–220000\) \| 71 \(70–72\) +\| 3\.6 \(3\.2–3\.9\) +\|/,
  );
  assert.doesNotMatch(text, /worker-kill/);
});
