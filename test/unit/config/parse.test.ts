import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../../src/config/parse.js';
import { formatProblem } from '../../../src/config/problem.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/configs/${name}`, import.meta.url), 'utf8');

const problems = (name: string, env: Record<string, string> = {}): string[] => {
  const r = parseConfigText(fixture(name), env);
  return r.ok ? [] : r.problems.map((p) => formatProblem(name, p));
};

// Exact messages, in file order: what `loadbalancer check` prints for each bad file.
const BAD: Record<string, string[]> = {
  'bad-many.yaml': [
    'bad-many.yaml:6:5 listeners.web.maxconnections: unknown key, did you mean "maxConnections"?',
    'bad-many.yaml:8:11 listeners.api.bind: 0.0.0.0:8000 is already bound by listener "web"',
    'bad-many.yaml:9:11 listeners.api.pool: unknown pool "apii" (known: web)',
    'bad-many.yaml:12:5 pools.web.algoritm: unknown key, did you mean "algorithm"?',
    'bad-many.yaml:15:20 pools.web.targets[1].address: port 99999 is out of range (1-65535)',
    'bad-many.yaml:16:44 pools.web.targets[2].weight: weight must be at least 1 (use admin state "maint" to take a target out)',
    'bad-many.yaml:17:11 pools.web.targets[3].adress: unknown key, did you mean "address"?',
    'bad-many.yaml:18:9 pools.web.targets[4]: duplicate target 127.0.0.1:5001',
    'bad-many.yaml:19:9 pools.web.targets[5]: expected a string or a mapping, got 42',
    'bad-many.yaml:20:26 pools.web.healthCheck.type: "htp" is not one of tcp, http, send-expect, udp, none; did you mean "http"?',
    'bad-many.yaml:20:41 pools.web.healthCheck.interval: must be greater than 0',
    'bad-many.yaml:20:63 pools.web.healthCheck.rise: expected an integer, got 1.5',
    'bad-many.yaml:21:21 pools.web.connectTimeout: must be greater than 0',
    'bad-many.yaml:22:18 pools.web.idleTimeout: "5 minutes" is not a duration (use 500ms, 2s, 5m, 1h)',
    'bad-many.yaml:23:14 pools.web.retries: must be at least 0',
  ],
  'bad-syntax.yaml': [
    'bad-syntax.yaml:3:1 syntax error: Flow map in block collection must be sufficiently indented and end with a }',
  ],
  'bad-duplicate-keys.yaml': [
    'bad-duplicate-keys.yaml:5:5 listeners.web.pool: duplicate key (first at line 4)',
    'bad-duplicate-keys.yaml:9:3 pools.web: duplicate key (first at line 7)',
  ],
  'bad-env.yaml': [
    'bad-env.yaml:3:11 listeners.web.bind: environment variable LB_TEST_PORT is not set',
    'bad-env.yaml:7:15 pools.web.targets[0]: environment variable LB_TEST_BACKEND is not set',
    'bad-env.yaml:11:10 admin.token: environment variables LB_TEST_TOKEN_1, LB_TEST_TOKEN_2 are not set',
  ],
  'bad-semantic.yaml': [
    'bad-semantic.yaml:7:11 listeners.local.bind: 127.0.0.1:8000 overlaps 0.0.0.0:8000 of listener "web"',
    'bad-semantic.yaml:11:11 listeners.ipv6.pool: unknown pool "cache" (known: web, redis, pg)',
    'bad-semantic.yaml:13:11 listeners.tls.bind: 0.0.0.0:8443 overlaps [::]:8443 of listener "ipv6"',
    'bad-semantic.yaml:17:47 pools.web.targets[2]: duplicate target 127.0.0.1:5001',
    'bad-semantic.yaml:18:43 pools.web.healthCheck.timeout: timeout (5000ms) is longer than interval (1000ms)',
    'bad-semantic.yaml:18:53 pools.web.healthCheck.send: only used by type: send-expect or udp checks (this one is tcp)',
    'bad-semantic.yaml:21:5 pools.redis.healthCheck.expect: a send-expect check needs "expect"',
    'bad-semantic.yaml:24:47 pools.pg.healthCheck.expect: not a valid regular expression (Unterminated group)',
    'bad-semantic.yaml:25:1 admin.token: a token is required when the admin API listens on a non-loopback address (0.0.0.0)',
    'bad-semantic.yaml:26:9 admin.bind: 0.0.0.0:8000 is already bound by listener "web"',
  ],
  'bad-empty.yaml': ['bad-empty.yaml:1:1 the file is empty (expected "listeners" and "pools")'],
  'bad-types.json': [
    'bad-types.json:2:35 listeners.web.bind: "0.0.0.0" has no port (use HOST:PORT)',
    'bad-types.json:2:54 listeners.web.pool: must not be empty',
    'bad-types.json:2:60 listeners["my web"]: names may use letters, digits, "_", "." and "-"',
    'bad-types.json:5:20 pools.web.algorithm: "round-robbin" is not one of round-robin, least-connections, random, source-hash, first; did you mean "round-robin"?',
    'bad-types.json:6:18 pools.web.targets: expected a list, got "127.0.0.1:5001"',
    'bad-types.json:7:32 pools.web.healthCheck.path: must start with "/"',
    'bad-types.json:7:59 pools.web.healthCheck.expectStatus: must be a status code (200) or a class of them (2xx)',
    'bad-types.json:7:76 pools.web.healthCheck.jitter: must be at most 0.5',
    'bad-types.json:10:14 workers: expected a number or "auto", got "many"',
    'bad-types.json:11:19 drainTimeout: expected a string or a number, got true',
  ],
};

for (const [name, expected] of Object.entries(BAD)) {
  test(`${name}: every problem at once, with file:line:col and key path`, () => {
    assert.deepEqual(problems(name), expected);
  });
}

test('good files parse: YAML with ${VAR}, and JSON', () => {
  const full = parseConfigText(fixture('good-full.yaml'), { LB_ADMIN_TOKEN: 's3cret' });
  assert.ok(full.ok, JSON.stringify(full));
  assert.equal(full.config.admin?.token, 's3cret');
  assert.deepEqual(Object.keys(full.config.listeners), ['web', 'redis']);
  assert.deepEqual(
    full.config.pools.web!.targets.map((t) => [t.host, t.port, t.weight, t.backup]),
    [
      ['127.0.0.1', 5001, 1, false],
      ['127.0.0.1', 5002, 3, false],
      ['127.0.0.1', 5003, 1, true],
    ],
  );
  assert.equal(full.config.pools.web!.healthCheck.path, '/healthz');
  assert.equal(full.config.pools.web!.idleTimeout, 3_600_000);
  assert.equal(full.config.pools.redis!.healthCheck.send, 'PING\r\n');
  assert.deepEqual(full.config.pools.redis!.targets[1], { host: '::1', port: 6379, weight: 1, backup: false });
  assert.ok(Object.isFrozen(full.config.pools.web));
  const min = parseConfigText(fixture('good-minimal.json'), {});
  assert.ok(min.ok);
  assert.equal(min.config.pools.default!.targets[1]!.weight, 2);
  assert.equal(min.config.pools.default!.connectTimeout, 3000, 'defaults are applied');
});

test('an unquoted ${VAR} takes the type of its text; a quoted one stays a string', () => {
  // (In a flow mapping `{ … }` a bare ${…} is not valid YAML: there it must be quoted.)
  const text = (retries: string): string =>
    [
      'listeners:',
      '  web:',
      '    bind: ${H:-127.0.0.1}:${P}',
      '    pool: web',
      '    maxConnections: ${MAX}',
      'pools:',
      '  web:',
      '    targets: ["127.0.0.1:5001"]',
      `    retries: ${retries}`,
      'admin: { bind: 127.0.0.1:9000, token: "${T}" }',
    ].join('\n');
  const env = { P: '8080', MAX: '100', T: '12345' };
  const r = parseConfigText(text('${R:-1}'), env);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.config.listeners.web!.bind, { host: '127.0.0.1', port: 8080 });
  assert.equal(r.config.listeners.web!.maxConnections, 100);
  assert.equal(r.config.pools.web!.retries, 1);
  assert.equal(r.config.admin?.token, '12345', 'a quoted number stays text');
  const quoted = parseConfigText(text('"${R:-1}"'), env);
  assert.ok(!quoted.ok);
  assert.deepEqual(
    quoted.problems.map((p) => formatProblem('lb.yaml', p)),
    ['lb.yaml:9:14 pools.web.retries: expected a number, got "1"'],
  );
});

test('the example from the issue: a bad port in a target object points at the address', () => {
  const text = [
    'listeners:',
    '  web:',
    '    bind: 0.0.0.0:8000',
    '    pool: web',
    'pools:',
    '  web:',
    '    targets:',
    '      - 127.0.0.1:5001',
    '      - { address: 127.0.0.1:99999, weight: 3 }',
  ].join('\n');
  const r = parseConfigText(text, {});
  assert.ok(!r.ok);
  assert.deepEqual(
    r.problems.map((p) => formatProblem('lb.yaml', p)),
    ['lb.yaml:9:20 pools.web.targets[1].address: port 99999 is out of range (1-65535)'],
  );
});
