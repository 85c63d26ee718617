import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { ConfigInput } from '../../../src/config/schema.js';
import { formatPath, validateConfig } from '../../../src/config/validate.js';

const base = (extra: Partial<ConfigInput>, pool: Record<string, unknown> = {}): ConfigInput => ({
  listeners: { web: { bind: '127.0.0.1:8000', pool: 'web' } },
  pools: { web: { targets: ['10.0.0.1:8080'], ...pool } },
  ...extra,
});

const problems = (input: ConfigInput): string[] => {
  const v = validateConfig(input);
  return v.ok ? [] : v.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
};

test('the contract keys: etcd, fleet, pool discovery (etcd prefix, dns SRV/A/AAAA) with their defaults', () => {
  const v = validateConfig(
    base(
      {
        etcd: { endpoints: ['http://10.0.0.5:2379', 'https://etcd-2.internal:2379'], username: 'lb', password: 's' },
        fleet: { name: 'lb-1', ttl: '10s' },
      },
      {
        discovery: {
          etcd: { prefix: '/services/web/' },
          dns: {
            name: '_web._tcp.example.internal',
            type: 'SRV',
            resolvers: ['10.0.0.53:53', '10.0.0.54'],
            interval: '10s',
          },
        },
      },
    ),
  );
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  assert.deepEqual(v.config.fleet, { name: 'lb-1', ttl: 10_000, prefix: '/tcp-loadbalancer/' });
  assert.equal(v.config.etcd?.timeout, 3000);
  assert.deepEqual(v.config.pools.web!.discovery?.dns, {
    name: '_web._tcp.example.internal',
    type: 'SRV',
    resolvers: ['10.0.0.53:53', '10.0.0.54'],
    interval: 10_000,
  });
  const d = validateConfig(
    base(
      { etcd: { endpoints: ['127.0.0.1:2379'] }, fleet: {} },
      { targets: [], discovery: { dns: { name: 'web.example.internal', type: 'A', port: 8080 } } },
    ),
  );
  assert.ok(d.ok, JSON.stringify(!d.ok && d.issues));
  assert.equal(d.config.fleet?.name, hostname());
  assert.equal(d.config.pools.web!.discovery?.dns?.interval, 10_000);
});

test('bad discovery and fleet config: one clear message each, at the right key', () => {
  const cases: [ConfigInput, RegExp][] = [
    [base({ fleet: { name: 'a' } }), /^fleet: a fleet shares its state through etcd: add the etcd key$/],
    [
      base({}, { discovery: { etcd: { prefix: '/s/' } } }),
      /^pools\.web\.discovery\.etcd: discovery from etcd needs the top-level etcd key/,
    ],
    [base({ etcd: { endpoints: [] } }), /^etcd\.endpoints: list at least one etcd endpoint/],
    [base({ etcd: { endpoints: ['ftp://x:1'] } }), /^etcd\.endpoints\[0\]: must be http:\/\/HOST:PORT/],
    [
      base({ etcd: { endpoints: ['http://x:1'], username: 'u' } }),
      /^etcd\.password: username and password go together/,
    ],
    [
      base({ etcd: { endpoints: ['http://x:1'], tls: { cert: 'c.pem' } } }),
      /^etcd\.tls\.key: cert and key go together/,
    ],
    [base({ etcd: { endpoints: ['http://x:1'] }, fleet: { ttl: '10ms' } }), /^fleet\.ttl: must be at least 1000ms/],
    [base({ etcd: { endpoints: ['http://x:1'] }, fleet: { name: 'a b' } }), /^fleet\.name: names may use/],
    [
      base({}, { discovery: { dns: { name: 'web.internal', type: 'A' } } }),
      /^pools\.web\.discovery\.dns\.port: type A needs a port/,
    ],
    [
      base({}, { discovery: { dns: { name: '_s._tcp.x', port: 80 } } }),
      /^pools\.web\.discovery\.dns\.port: SRV records carry their own port/,
    ],
    [base({}, { discovery: { dns: { name: '_s._tcp.x', type: 'MX' } } }), /^pools\.web\.discovery\.dns\.type: /],
    [
      base({}, { discovery: { dns: { name: '_s._tcp.x', resolvers: ['dns.google'] } } }),
      /^pools\.web\.discovery\.dns\.resolvers\[0\]: must be an IP address/,
    ],
    [base({}, { discovery: { dns: { name: 'bad name!' } } }), /^pools\.web\.discovery\.dns\.name: must be a DNS name/],
    [
      base({}, { discovery: { consul: {} } }),
      /^pools\.web\.discovery\.consul: unknown key \(expected one of: etcd, dns\)/,
    ],
  ];
  for (const [input, re] of cases) {
    const p = problems(input);
    assert.equal(p.length, 1, JSON.stringify(p));
    assert.match(p[0]!, re);
  }
});
