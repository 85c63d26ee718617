import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptModeFrom, DEFAULT_ACCEPT_MODE, hasReusePort } from '../../../src/cluster/accept-mode.js';

test('reusePort exists from Node 22.12', () => {
  const table: [string, boolean][] = [
    ['v20.20.2', false],
    ['v22.11.0', false],
    ['v22.12.0', true],
    ['22.23.3', true],
    ['v23.0.0', true],
    ['v24.21.0', true],
  ];
  for (const [v, want] of table) assert.equal(hasReusePort(v), want, v);
});

test('the accept mode comes from LB_CLUSTER_ACCEPT, then NODE_CLUSTER_SCHED_POLICY, then the default', () => {
  const table: [NodeJS.ProcessEnv, string][] = [
    [{}, DEFAULT_ACCEPT_MODE],
    [{ NODE_CLUSTER_SCHED_POLICY: 'rr' }, 'rr'],
    [{ NODE_CLUSTER_SCHED_POLICY: 'rr', LB_CLUSTER_ACCEPT: 'none' }, 'none'],
    [{ LB_CLUSTER_ACCEPT: 'reuseport' }, 'reuseport'],
  ];
  for (const [env, want] of table) assert.equal(acceptModeFrom(env, 'v24.21.0'), want, JSON.stringify(env));
});

test('an unknown mode, or reuseport on a Node without it, is refused with a code', () => {
  assert.throws(() => acceptModeFrom({ LB_CLUSTER_ACCEPT: 'fifo' }, 'v24.21.0'), {
    code: 'LB_ERR_INVALID_ARGUMENT',
    message: /"fifo" is not one of none, rr, reuseport/,
  });
  assert.throws(() => acceptModeFrom({ LB_CLUSTER_ACCEPT: 'reuseport' }, 'v20.20.2'), {
    message: /needs Node >= 22.12 \(this is v20.20.2\)/,
  });
});
