import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CRASHES, onCrash, type CrashRecord, type RestartPolicy } from '../../../src/cluster/restart-policy.js';

const P: RestartPolicy = { baseMs: 100, maxMs: 1000, stableMs: 10_000, loopAfter: 3 };

test('crashes in a row back off exponentially up to the cap; a crash loop is flagged once', () => {
  const rows: [uptimeMs: number, delayMs: number, streak: number, loopStarted: boolean, inLoop: boolean][] = [
    [50, 100, 1, false, false],
    [200, 200, 2, false, false],
    [10, 400, 3, true, true],
    [10, 800, 4, false, true],
    [10, 1000, 5, false, true],
    [10, 1000, 6, false, true],
  ];
  let record: CrashRecord = NO_CRASHES;
  for (const [i, [uptime, delay, streak, loopStarted, inLoop]] of rows.entries()) {
    const d = onCrash(record, uptime, P);
    assert.deepEqual(
      { delay: d.delayMs, streak: d.record.streak, loopStarted: d.loopStarted, inLoop: d.inLoop },
      { delay, streak, loopStarted, inLoop },
      `crash ${i + 1}`,
    );
    assert.equal(d.record.restarts, i + 1);
    record = d.record;
  }
});

test('a worker that ran for stableMs ends the streak: its restart is quick again', () => {
  const looping: CrashRecord = { streak: 7, restarts: 7 };
  const d = onCrash(looping, 10_000, P);
  assert.equal(d.record.streak, 1);
  assert.equal(d.delayMs, 100);
  assert.equal(d.inLoop, false);
  assert.equal(d.record.restarts, 8, 'restarts keep counting');
});
