import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteHealth, type PassiveReport } from '../../../src/cluster/remote-health.js';

test('remote health: failures always, a success after a failure, and a success on a DOWN target once a second', () => {
  const reports: PassiveReport[] = [];
  const down = new Set<string>();
  let now = 0;
  const rh = new RemoteHealth(
    'web',
    (r) => reports.push(r),
    (id) => down.has(id),
    () => now,
  );
  rh.reportConnectSuccess('a:1');
  assert.equal(reports.length, 0, 'an ordinary success stays off the IPC channel');
  rh.reportConnectFailure('a:1', 'connect ECONNREFUSED');
  rh.reportConnectSuccess('a:1');
  assert.deepEqual(
    reports.map((r) => r.ok),
    [false, true],
  );
  down.add('b:1');
  rh.reportConnectSuccess('b:1');
  rh.reportConnectSuccess('b:1');
  now = 999;
  rh.reportConnectSuccess('b:1');
  assert.deepEqual(
    reports.slice(2).map((r) => [r.target, r.ok]),
    [['b:1', true]],
  );
  now = 1000;
  rh.reportConnectSuccess('b:1');
  assert.equal(reports.length, 4);
});
