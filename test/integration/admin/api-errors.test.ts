import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { ReloadControl, ReloadResult } from '../../../src/control/reload-result.js';
import { apiError, http } from '../../helpers/http.js';
import { startStack } from '../../helpers/stack.js';

const TOKEN = 'test-token-123';
const input = {
  listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
  pools: { web: { targets: ['127.0.0.1:1', '127.0.0.1:2'], healthCheck: { type: 'none' as const } } },
};

test('auth: every route, metrics included, needs the bearer token; 401 is JSON', async () => {
  const s = await startStack(input, { token: TOKEN });
  try {
    for (const path of ['/api/status', '/api/config', '/metrics', '/api/nothing']) {
      const none = await http(`${s.url}${path}`);
      assert.equal(none.status, 401, path);
      assert.deepEqual(apiError(none), {
        code: 'LB_ERR_UNAUTHORIZED',
        message: 'missing token: send "Authorization: Bearer TOKEN"',
      });
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="loadbalancer"');
      const wrong = await http(`${s.url}${path}`, { token: `${TOKEN}x` });
      assert.equal(wrong.status, 401, path);
      assert.equal(apiError(wrong).message, 'wrong token: send "Authorization: Bearer TOKEN"');
    }
    const denied = await http(`${s.url}/api/pools/web/targets/127.0.0.1:1`, {
      method: 'PATCH',
      body: '{"state":"maint"}',
    });
    assert.equal(denied.status, 401);
    assert.equal(s.app.pools().get('web')!.pool.get('127.0.0.1:1')!.admin, 'ready', 'nothing changed');
    const ok = await http(`${s.url}/api/status`, { token: TOKEN });
    assert.equal(ok.status, 200);
    assert.equal((await http(`${s.url}/metrics`, { token: TOKEN })).status, 200);
  } finally {
    await s.stop();
  }
});

test('bad input: each class gets its status and a JSON error that names the problem', async () => {
  const s = await startStack(input, { bodyLimit: 1024 });
  const T = `${s.url}/api/pools/web/targets`;
  const cases: [string, string, string | undefined, number, string, RegExp][] = [
    ['PATCH', `${T}/127.0.0.1:1`, '{"state":', 400, 'LB_ERR_BAD_REQUEST', /^malformed JSON body: /],
    ['POST', T, '{"address": "127.0.0.1:3",}', 400, 'LB_ERR_BAD_REQUEST', /^malformed JSON body: /],
    [
      'PATCH',
      `${T}/127.0.0.1:1`,
      undefined,
      400,
      'LB_ERR_INVALID_ARGUMENT',
      /^target change: a JSON body is required$/,
    ],
    ['PATCH', `${T}/127.0.0.1:1`, '{}', 400, 'LB_ERR_INVALID_ARGUMENT', /give "weight", "state" or both/],
    [
      'PATCH',
      `${T}/127.0.0.1:1`,
      '{"state":"off"}',
      400,
      'LB_ERR_INVALID_ARGUMENT',
      /state: .*"ready"\|"drain"\|"maint"/,
    ],
    ['PATCH', `${T}/127.0.0.1:1`, '{"weight":0}', 400, 'LB_ERR_INVALID_ARGUMENT', /weight must be at least 1/],
    ['PATCH', `${T}/127.0.0.1:1`, '{"weight":2.5}', 400, 'LB_ERR_INVALID_ARGUMENT', /weight: .*expected int/],
    ['PATCH', `${T}/127.0.0.1:1`, '{"wieght":2}', 400, 'LB_ERR_INVALID_ARGUMENT', /Unrecognized key: "wieght"/],
    ['PATCH', `${T}/127.0.0.1:1`, '[1,2]', 400, 'LB_ERR_INVALID_ARGUMENT', /expected object/],
    ['POST', T, '{"address":"127.0.0.1:70000"}', 400, 'LB_ERR_INVALID_ARGUMENT', /address: port 70000 is out of range/],
    ['POST', T, '{"address":"not an address"}', 400, 'LB_ERR_INVALID_ARGUMENT', /has no port/],
    ['POST', T, '{"address":"::1:80"}', 400, 'LB_ERR_INVALID_ARGUMENT', /\[ADDR\]:PORT/],
    ['POST', T, '"127.0.0.1:1"', 409, 'LB_ERR_CONFLICT', /pool "web" already has target 127\.0\.0\.1:1/],
    [
      'POST',
      `${s.url}/api/pools/nope/targets`,
      '"127.0.0.1:3"',
      404,
      'LB_ERR_NOT_FOUND',
      /unknown pool "nope" \(pools: web\)/,
    ],
    [
      'PATCH',
      `${T}/127.0.0.1:9`,
      '{"state":"drain"}',
      404,
      'LB_ERR_NOT_FOUND',
      /pool "web" has no target 127\.0\.0\.1:9 \(targets: /,
    ],
    ['DELETE', `${T}/127.0.0.1:9`, undefined, 404, 'LB_ERR_NOT_FOUND', /has no target 127\.0\.0\.1:9/],
    ['DELETE', `${T}/nohost`, undefined, 400, 'LB_ERR_INVALID_ARGUMENT', /"nohost" has no port/],
    ['DELETE', `${T}/%E0%A4%A`, undefined, 400, 'LB_ERR_BAD_REQUEST', /percent-encoding/],
    ['GET', `${s.url}/api/pools/nope`, undefined, 404, 'LB_ERR_NOT_FOUND', /unknown pool "nope"/],
    ['GET', `${s.url}/api/statuses`, undefined, 404, 'LB_ERR_NOT_FOUND', /no such endpoint: GET \/api\/statuses/],
    ['PUT', `${s.url}/api/status`, '{}', 405, 'LB_ERR_METHOD_NOT_ALLOWED', /PUT is not allowed on \/api\/status/],
    [
      'POST',
      T,
      JSON.stringify({ address: `127.0.0.1:3`, pad: 'x'.repeat(2000) }),
      413,
      'LB_ERR_PAYLOAD_TOO_LARGE',
      /limit of 1024 bytes/,
    ],
    ['POST', `${s.url}/api/reload`, undefined, 409, 'LB_ERR_RELOAD_UNAVAILABLE', /started from command-line flags/],
  ];
  try {
    for (const [method, url, body, status, code, message] of cases) {
      const r = await http(url, { method, body });
      const what = `${method} ${url} ${body ?? ''}`;
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.match(String(r.headers['content-type']), /^application\/json/, what);
      assert.equal(apiError(r).code, code, what);
      assert.match(apiError(r).message, message, what);
    }
    const allow = await http(`${s.url}/api/pools/web/targets/127.0.0.1:1`, { method: 'PUT' });
    assert.equal(allow.headers.allow, 'GET, DELETE, PATCH');
    // nothing was changed by the refused requests, and the server is still serving
    const targets = s.app.pools().get('web')!.pool.targets();
    assert.deepEqual(
      targets.map((t) => [t.id, t.weight, t.admin]),
      [
        ['127.0.0.1:1', 1, 'ready'],
        ['127.0.0.1:2', 1, 'ready'],
      ],
    );
    assert.equal((await http(`${s.url}/api/status`)).status, 200);
  } finally {
    await s.stop();
  }
});

test('a chunked body over the limit is cut off; garbage on the socket gets a 400; the server lives on', async () => {
  const s = await startStack(input, { bodyLimit: 1024 });
  try {
    const port = Number(new URL(s.url).port);
    const raw = (data: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const c = connect(port, '127.0.0.1', () => c.end(data));
        let out = '';
        c.setEncoding('utf8').on('data', (d: string) => (out += d));
        c.on('close', () => resolve(out));
        c.on('error', reject);
      });
    const chunk = 'x'.repeat(800);
    const chunked = `POST /api/pools/web/targets HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${(800).toString(16)}\r\n${chunk}\r\n${(800).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
    assert.match(await raw(chunked), /^HTTP\/1\.1 413 .*LB_ERR_PAYLOAD_TOO_LARGE/s);
    assert.match(await raw('NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request/);
    assert.equal((await http(`${s.url}/api/status`)).status, 200);
  } finally {
    await s.stop();
  }
});

test('POST /api/reload: a refused config is a 422 listing the problems; a good one answers the result', async () => {
  let next: ReloadResult = {
    ok: false,
    version: 1,
    at: '2026-01-02T03:04:05.000Z',
    source: 'api',
    issues: ['lb.yaml:3:11 pools.web.algorithm: unknown value "fastest"'],
  };
  const calls: string[] = [];
  const reloader: ReloadControl = {
    reload: (source) => {
      calls.push(source);
      return Promise.resolve(next);
    },
    readNext: () => Promise.resolve({ ok: false, issues: next.issues }),
    get last() {
      return next;
    },
    get version() {
      return next.version;
    },
  };
  const s = await startStack(input, { reloader });
  try {
    const bad = await http(`${s.url}/api/reload`, { method: 'POST' });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json, {
      error: {
        code: 'LB_ERR_CONFIG_INVALID',
        message:
          'the new config was refused and version 1 keeps running: 1 problem, first: lb.yaml:3:11 pools.web.algorithm: unknown value "fastest"',
        issues: next.issues,
      },
      reload: next,
    });
    next = { ok: true, version: 2, at: next.at, source: 'api', issues: [] };
    const good = await http(`${s.url}/api/reload`, { method: 'POST' });
    assert.equal(good.status, 200);
    assert.deepEqual(good.json, { reload: next });
    assert.deepEqual(calls, ['api', 'api']);
    const status = (await http(`${s.url}/api/status`)).json as { config: { version: number; lastReload: unknown } };
    assert.equal(status.config.version, 2);
    assert.deepEqual(status.config.lastReload, next);
  } finally {
    await s.stop();
  }
});
