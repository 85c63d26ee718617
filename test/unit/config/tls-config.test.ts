import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, validateConfig } from '../../../src/config/validate.js';

const base = (listener: Record<string, unknown>, pools: Record<string, unknown> = {}) => ({
  listeners: { edge: { bind: '127.0.0.1:8443', pool: 'web', ...listener } },
  pools: { web: { targets: ['127.0.0.1:9001'] }, api: { targets: ['127.0.0.1:9002'] }, ...pools },
});

const issues = (input: unknown): string[] => {
  const v = validateConfig(input);
  return v.ok ? [] : v.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
};

test('SNI routes: names normalized, defaults for noSni and the ClientHello timeout', () => {
  const v = validateConfig(
    base({
      routes: [
        { sni: 'API.Example.com.', pool: 'api' },
        { sni: '*.example.com', pool: 'web' },
      ],
    }),
  );
  assert.ok(v.ok);
  const l = v.config.listeners.edge!;
  assert.deepEqual(l.routes, [
    { sni: 'api.example.com', pool: 'api' },
    { sni: '*.example.com', pool: 'web' },
  ]);
  assert.equal(l.noSni, 'pool');
  assert.equal(l.clientHelloTimeout, 5000);
});

test('SNI routes: unknown pools, repeated names and bad patterns are reported with their path', () => {
  assert.deepEqual(issues(base({ routes: [{ sni: 'a.test', pool: 'nope' }] })), [
    'listeners.edge.routes[0].pool: unknown pool "nope"',
  ]);
  assert.deepEqual(
    issues(
      base({
        routes: [
          { sni: 'a.test', pool: 'api' },
          { sni: 'A.test', pool: 'web' },
        ],
      }),
    ),
    ['listeners.edge.routes[1].sni: "a.test" is routed twice'],
  );
  assert.match(
    issues(base({ routes: [{ sni: 'a.*.test', pool: 'api' }] })).join(),
    /routes\[0\]\.sni: must be a host name/,
  );
  assert.match(issues(base({ noSni: 'drop' })).join(), /listeners\.edge\.noSni/);
  assert.match(issues(base({ clientHelloTimeout: '0s' })).join(), /clientHelloTimeout/);
});

test('listener TLS: defaults, and cert/key pairing', () => {
  const v = validateConfig(base({ tls: { cert: 'a.crt', key: 'a.key' } }));
  assert.ok(v.ok);
  assert.deepEqual(v.config.listeners.edge!.tls, {
    cert: 'a.crt',
    key: 'a.key',
    certificates: [],
    minVersion: 'TLSv1.2',
    handshakeTimeout: 10_000,
  });
  assert.ok(validateConfig(base({ tls: { certificates: [{ cert: 'b.crt', key: 'b.key' }], alpn: ['h2'] } })).ok);
  assert.deepEqual(issues(base({ tls: { cert: 'a.crt' } })), ['listeners.edge.tls.key: cert and key go together']);
  assert.match(issues(base({ tls: {} })).join(), /listeners\.edge\.tls: a TLS listener needs a certificate/);
  assert.match(issues(base({ tls: { cert: 'a', key: 'b', minVersion: 'TLSv1.1' } })).join(), /tls\.minVersion/);
  assert.match(issues(base({ tls: { cert: 'a', key: 'b', alpn: [] } })).join(), /tls\.alpn/);
  assert.match(issues(base({ tls: { cert: 'a', key: 'b', ciphers: 'x' } })).join(), /ciphers/);
});

test('pool TLS: enabled and verifying by default; servername must be a host name', () => {
  const v = validateConfig(base({}, { api: { targets: ['127.0.0.1:9002'], tls: { ca: 'ca.pem' } } }));
  assert.ok(v.ok);
  assert.deepEqual(v.config.pools.api!.tls, { enabled: true, ca: 'ca.pem', verify: true, minVersion: 'TLSv1.2' });
  assert.match(
    issues(base({}, { api: { targets: ['127.0.0.1:9002'], tls: { servername: 'not a name' } } })).join(),
    /pools\.api\.tls\.servername: must be a host name/,
  );
  assert.match(
    issues(base({}, { api: { targets: ['127.0.0.1:9002'], tls: { verify: 'no' } } })).join(),
    /pools\.api\.tls\.verify/,
  );
});
