import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configAsInput } from '../../../src/admin/config-view.js';
import { validateConfig } from '../../../src/config/validate.js';

const input = {
  listeners: { web: { bind: '[::]:8000', pool: 'web' }, db: { bind: '127.0.0.1:5432', pool: 'db', maxConnections: 9 } },
  pools: {
    web: {
      algorithm: 'least-connections' as const,
      targets: ['10.0.0.1:80', { address: '[fd00::2]:80', weight: 3 }, { address: 'web3.internal:80', backup: true }],
      healthCheck: { type: 'http' as const, path: '/health', port: 8081, host: 'example.test' },
    },
    db: { targets: ['10.0.1.1:5432'], connectTimeout: '1500ms', idleTimeout: '2h' },
  },
  admin: { bind: '0.0.0.0:9000', token: 'hunter2' },
  drainTimeout: '10s',
};

test('configAsInput: the running config reads back as the same config, token redacted', () => {
  const v = validateConfig(input);
  assert.ok(v.ok);
  const view = configAsInput(v.config) as typeof input;
  assert.equal(view.admin.token, '<redacted>');
  assert.equal(view.admin.bind, '0.0.0.0:9000');
  assert.equal(view.listeners.web.bind, '[::]:8000');
  assert.deepEqual(view.pools.web.targets[1], { address: '[fd00::2]:80', weight: 3, backup: false });
  // a health check's host and port are not an address to fold
  assert.equal((view.pools.web.healthCheck as { port: number }).port, 8081);
  const again = validateConfig(JSON.parse(JSON.stringify({ ...view, admin: { ...view.admin, token: 'hunter2' } })));
  assert.ok(again.ok, JSON.stringify(again));
  assert.deepEqual(again.config, v.config);
});
