import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notifyFields } from '../../../src/supervisor/sd-notify.js';

test('sd_notify fields: READY names the main PID, RELOADING its start time, STATUS on one line', () => {
  const o = { pid: 42, monotonicUsec: 123456789n };
  assert.deepEqual(notifyFields('READY', o), ['READY=1', 'MAINPID=42']);
  assert.deepEqual(notifyFields('RELOADING', o), ['RELOADING=1', 'MONOTONIC_USEC=123456789']);
  assert.deepEqual(notifyFields('STOPPING', { ...o, status: 'draining\n2 left' }), [
    'STOPPING=1',
    'STATUS=draining 2 left',
  ]);
});
