import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busiest, fullGcs } from '../../../src/chaos/gc-trace.js';

// Lines as Node 20 prints them with --trace-gc --trace-gc-ignore-scavenger, mixed with log lines.
const OUT = `{"level":30,"msg":"listening"}
[27980:0x1f069070]      687 ms: Mark-Compact 13.7 (15.1) -> 10.3 (14.9) MB, 4.00 / 0.26 ms  (+ 0.5 ms in 9 steps since start of marking) finalize incremental marking via stack guard; GC in old space requested
[27979:0x2a0e1c40]      912 ms: Mark-Compact 8.1 (9.0) -> 6.2 (9.5) MB, 2.00 / 0.10 ms  (average mu = 1.000, current mu = 1.000) allocation failure
[27980:0x1f069070]    11342 ms: Mark-Compact (reduce) 39.0 (42.1) -> 18.6 (38.9) MB, 65.34 / 0.01 ms  (average mu = 0.994, current mu = 0.994) heap profiler; GC in old space requested
[27980:0x1f069070]    11400 ms: Scavenge 20.1 (38.9) -> 19.0 (38.9) MB, 0.5 / 0.0 ms  (average mu = 0.994) allocation failure;
`;

test('gc trace: full collections by process, heap before and after, the busiest process', () => {
  const gcs = fullGcs(OUT);
  assert.deepEqual([...gcs.keys()], [27980, 27979]);
  assert.deepEqual(gcs.get(27980), [
    { ms: 687, beforeMB: 13.7, afterMB: 10.3, committedMB: 14.9 },
    { ms: 11342, beforeMB: 39, afterMB: 18.6, committedMB: 38.9 },
  ]);
  // The data plane (heap grown largest), not its supervisor.
  assert.equal(busiest(gcs).length, 2);
  assert.equal(busiest(gcs)[1]!.afterMB, 18.6);
  assert.deepEqual(busiest(fullGcs('no trace here')), []);
});
