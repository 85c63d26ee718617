import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { diffConfigs } from '../../../src/config/diff.js';
import { diffLines } from '../../../src/config/diff-text.js';
import type { Config, ConfigInput } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/validate.js';

const DOC = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');

const valid = (input: ConfigInput): Config => {
  const v = validateConfig(input);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  return v.config;
};

test('docs/operations.md: the `loadbalancer diff` example is what the diff of those two configs prints', () => {
  const example = /```\n\$ loadbalancer diff lb\.yaml lb\.new\.yaml\n([\s\S]*?)```/.exec(DOC)?.[1];
  assert.ok(example, 'the example is in the page');
  const old: ConfigInput = {
    listeners: { web: { bind: '0.0.0.0:8000', pool: 'web' }, legacy: { bind: '0.0.0.0:8100', pool: 'web' } },
    pools: { web: { targets: ['10.0.0.1:8080', '10.0.0.2:8080'] } },
    admin: { bind: '127.0.0.1:9000' },
  };
  const next: ConfigInput = {
    listeners: {
      web: { bind: '0.0.0.0:8000', pool: 'web', maxConnections: 5000 },
      api: { bind: '0.0.0.0:8200', pool: 'api' },
    },
    pools: {
      web: {
        algorithm: 'least-connections',
        targets: [{ address: '10.0.0.2:8080', weight: 3 }, '10.0.0.3:8080'],
        healthCheck: { interval: '1s' },
      },
      api: { targets: ['10.0.1.1:9090'] },
    },
    admin: { bind: '127.0.0.1:9100' },
    drainTimeout: '10s',
  };
  const lines = diffLines(diffConfigs(valid(old), valid(next)));
  assert.deepEqual(lines, example.trimEnd().split('\n'));
});
