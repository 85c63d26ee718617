import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfigs, isEmptyDiff } from '../../../src/config/diff.js';
import { diffLines } from '../../../src/config/diff-text.js';
import type { Config, ConfigInput } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/validate.js';

const valid = (input: ConfigInput): Config => {
  const v = validateConfig(input);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  return v.config;
};

const BASE: ConfigInput = {
  listeners: { web: { bind: '127.0.0.1:8000', pool: 'web' } },
  pools: {
    web: {
      targets: ['127.0.0.1:5001', { address: '127.0.0.1:5002', weight: 2 }, '127.0.0.1:5003'],
      healthCheck: { interval: '2s' },
    },
  },
};

/** BASE with `edit` applied to a deep copy. */
const edited = (edit: (c: ConfigInput & Record<string, unknown>) => void): ConfigInput => {
  const c = structuredClone(BASE) as ConfigInput & Record<string, unknown>;
  edit(c);
  return c;
};
type Pools = Record<string, { targets: unknown[]; [k: string]: unknown }>;
const pools = (c: ConfigInput): Pools => c.pools as Pools;

const CASES: { name: string; to: ConfigInput; lines: string[] }[] = [
  { name: 'the same config', to: BASE, lines: [] },
  {
    name: 'the same config written differently (a duration in ms, a target in long form)',
    to: edited((c) => {
      pools(c).web!.healthCheck = { interval: 2000 };
      pools(c).web!.targets[0] = { address: '127.0.0.1:5001', weight: 1, backup: false };
    }),
    lines: [],
  },
  {
    name: 'a listener added, one moved',
    to: edited((c) => {
      c.listeners.api = { bind: '[::1]:9000', pool: 'web', maxConnections: 10 };
      c.listeners.web!.bind = '127.0.0.1:8080';
    }),
    lines: ['+ listener api', '~ listener web bind: 127.0.0.1:8000 → 127.0.0.1:8080'],
  },
  {
    name: 'listener settings: limits, access lists (whole lists), a pool swap',
    to: edited((c) => {
      c.pools.spare = { targets: ['127.0.0.1:6001'] };
      Object.assign(c.listeners.web!, { pool: 'spare', maxConnections: 100, allow: ['10.0.0.0/8'] });
    }),
    lines: [
      '~ listener web pool: web → spare',
      '~ listener web maxConnections: (none) → 100',
      '~ listener web allow: [] → [10.0.0.0/8]',
      '+ pool spare',
    ],
  },
  {
    name: 'a listener and a pool removed',
    to: {
      listeners: { api: { bind: '127.0.0.1:9000', pool: 'api' } },
      pools: { api: { targets: ['127.0.0.1:7001'] } },
    },
    lines: ['+ listener api', '- listener web', '+ pool api', '- pool web'],
  },
  {
    name: 'targets added, removed, reweighted, made backup',
    to: edited((c) => {
      pools(c).web!.targets = [
        { address: '127.0.0.1:5002', weight: 3 },
        { address: '127.0.0.1:5003', backup: true, maxConnections: 50 },
        '127.0.0.1:5004',
      ];
    }),
    lines: [
      '+ pool web target 127.0.0.1:5004',
      '- pool web target 127.0.0.1:5001',
      '~ pool web target 127.0.0.1:5002 weight: 2 → 3',
      '~ pool web target 127.0.0.1:5003 backup: false → true',
      '~ pool web target 127.0.0.1:5003 maxConnections: (none) → 50',
    ],
  },
  {
    name: 'pool settings with durations shown as durations; nested health-check keys',
    to: edited((c) => {
      Object.assign(pools(c).web!, {
        algorithm: 'least-connections',
        connectTimeout: '500ms',
        idleTimeout: '2h',
        retries: 0,
        healthCheck: { type: 'http', interval: '1s', path: '/health', port: 8081, host: 'example.com' },
      });
    }),
    lines: [
      '~ pool web algorithm: round-robin → least-connections',
      '~ pool web healthCheck.type: tcp → http',
      '~ pool web healthCheck.interval: 2s → 1s',
      '~ pool web healthCheck.port: (none) → 8081',
      '~ pool web healthCheck.path: / → /health',
      '~ pool web healthCheck.host: (none) → example.com',
      '~ pool web connectTimeout: 3s → 500ms',
      '~ pool web idleTimeout: 1h → 2h',
      '~ pool web retries: 2 → 0',
    ],
  },
  {
    name: 'only the order of the targets (the "first" algorithm tries them in order)',
    to: edited((c) => {
      pools(c).web!.targets.reverse();
    }),
    lines: [
      '~ pool web targets.order: [127.0.0.1:5001, 127.0.0.1:5002, 127.0.0.1:5003] → [127.0.0.1:5003, 127.0.0.1:5002, 127.0.0.1:5001]',
    ],
  },
  {
    name: 'a section set where there was none; top-level settings; restart-only ones say so',
    to: edited((c) => {
      pools(c).web!.proxyProtocol = 'v2';
      Object.assign(c, {
        drainTimeout: '10s',
        log: { level: 'debug', access: false },
        admin: { bind: '127.0.0.1:9900', token: 'secret' },
      });
    }),
    lines: [
      '~ pool web proxyProtocol: (none) → {"version":"v2","uniqueId":false,"crc32c":false}',
      '~ admin: (none) → {"bind":"127.0.0.1:9900","token":"<redacted>"} (takes effect at the next start)',
      '~ drainTimeout: 30s → 10s',
      '~ log.level: info → debug',
      '~ log.access: true → false (takes effect at the next start)',
    ],
  },
];

for (const c of CASES)
  test(`diff: ${c.name}`, () => {
    const d = diffConfigs(valid(BASE), valid(c.to));
    assert.deepEqual(diffLines(d), c.lines);
    assert.equal(isEmptyDiff(d), c.lines.length === 0);
  });

test('diff: a changed admin token is reported, its value never', () => {
  const withToken = (token: string): Config => valid({ ...BASE, admin: { bind: '127.0.0.1:9900', token } });
  const d = diffConfigs(withToken('old-secret'), withToken('new-secret'));
  assert.deepEqual(d.settings, [{ key: 'admin.token', from: '<redacted>', to: '<redacted>', restart: true }]);
  assert.ok(!JSON.stringify(d).includes('secret"'));
  assert.ok(isEmptyDiff(diffConfigs(withToken('same'), withToken('same'))));
});

test('diff: the structure names the changed listener, pool and target settings with old and new values', () => {
  const d = diffConfigs(
    valid(BASE),
    valid(
      edited((c) => {
        c.listeners.web!.maxConnections = 5;
        pools(c).web!.targets = ['127.0.0.1:5001', { address: '127.0.0.1:5002', weight: 4 }];
        pools(c).web!.retries = 1;
      }),
    ),
  );
  assert.deepEqual(d, {
    listeners: {
      added: [],
      removed: [],
      changed: [{ name: 'web', changes: [{ key: 'maxConnections', from: null, to: 5 }] }],
    },
    pools: {
      added: [],
      removed: [],
      changed: [
        {
          name: 'web',
          changes: [{ key: 'retries', from: 2, to: 1 }],
          targets: {
            added: [],
            removed: ['127.0.0.1:5003'],
            changed: [{ target: '127.0.0.1:5002', changes: [{ key: 'weight', from: 2, to: 4 }] }],
          },
        },
      ],
    },
    settings: [],
  });
});

test('diff: from nothing (the first apply) everything is added and no setting "changes"', () => {
  const d = diffConfigs(undefined, valid(BASE));
  assert.deepEqual(diffLines(d), ['+ listener web', '+ pool web']);
});
