import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, describeFailures, summarize, type Kill } from '../../../src/chaos/failures.js';
import type { Outcome } from '../../../src/chaos/http-client.js';
import { ratesAround } from '../../../src/chaos/rates.js';
import { renderTable } from '../../../src/chaos/table.js';

const kills: Kill[] = [
  { backend: 'b1', at: 1000 },
  { backend: 'b2', at: 3000 },
];
const failed = (o: Partial<Outcome> & { sentAt: number; ms: number }): Outcome => ({
  ok: false,
  connectedAt: o.sentAt,
  failure: 'reset',
  ...o,
});

test('churn failures: in flight at a kill, on a connection bound to the killed backend, or new', () => {
  // A new connection (backend unknown) whose request spans a kill: taken by that kill.
  assert.equal(classify(failed({ sentAt: 990, ms: 20 }), kills), 'in-flight');
  // A keep-alive connection to b1 spanning b1's kill; one to b3 spanning it failed for another reason.
  assert.equal(classify(failed({ sentAt: 990, ms: 20, via: 'b1', connectedAt: 10 }), kills), 'in-flight');
  assert.equal(classify(failed({ sentAt: 990, ms: 20, via: 'b3', connectedAt: 10 }), kills), 'new');
  // Sent just after b1's kill on a connection to b1 opened before it: the close had not arrived yet.
  assert.equal(classify(failed({ sentAt: 1001, ms: 1, via: 'b1', connectedAt: 500 }), kills), 'held');
  // A connection opened after the kill, or a new connection sent after it: the proxy's doing.
  assert.equal(classify(failed({ sentAt: 1500, ms: 1, via: 'b1', connectedAt: 1200 }), kills), 'new');
  assert.equal(classify(failed({ sentAt: 1500, ms: 3, failure: 'refused' }), kills), 'new');
  assert.equal(classify(failed({ sentAt: 100, ms: 3 }), []), 'new');
});

test('churn failures: summarized by class and by what the client saw', () => {
  const s = summarize(
    [
      failed({ sentAt: 990, ms: 20 }),
      failed({ sentAt: 2990, ms: 20, failure: 'eof' }),
      failed({ sentAt: 3001, ms: 1, via: 'b2', connectedAt: 5, failure: 'eof' }),
      failed({ sentAt: 4000, ms: 5000, failure: 'timeout' }),
      failed({ sentAt: 4000, ms: 1, failure: 'refused' }),
    ],
    kills,
  );
  assert.deepEqual(s.byClass, { 'in-flight': 2, held: 1, new: 2 });
  assert.deepEqual(s.kinds['in-flight'], { reset: 1, eof: 1 });
  assert.equal(
    describeFailures(s),
    '2 in flight at a kill (reset 1, eof 1); 1 sent on a connection to the killed backend (eof 1); ' +
      '2 on connections after a kill (timeout 1, refused 1)',
  );
  assert.equal(describeFailures(summarize([], kills)), 'none failed');
});

test('churn rates: replies a second inside the down windows and outside them', () => {
  const times = [100, 200, 300, 1100, 1200, 1900, 2500];
  // [0, 3000]: windows [1000, 2000) and [2900, 3500) clipped to 3000 -> 1100 ms inside, 1900 outside.
  const r = ratesAround(
    times,
    [
      { from: 1000, to: 2000 },
      { from: 2900, to: 3500 },
    ],
    0,
    3000,
  );
  assert.equal(r.inside, (3 * 1000) / 1100);
  assert.equal(r.outside, (4 * 1000) / 1900);
  assert.deepEqual(ratesAround(times, [], 0, 3000), { inside: undefined, outside: 7000 / 3000 });
});

test('chaos table: failures a kill caused are shown apart, in counts and per 10k', () => {
  const t = renderTable([
    {
      scenario: 'churn-keepalive',
      system: 'ours',
      figures: { requests: 200_000, failed: 52, failedAtKill: 50, detail: 'd' },
    },
    { scenario: 'flip', system: 'ours', figures: { requests: 10, failed: 0, detail: 'd' } },
  ]);
  const [, , churn, flip] = t.split('\n');
  assert.match(churn!, /\| 200000 +\| 50 at a kill, 2 other +\| 2.5 at a kill, 0.10 other +\|/);
  assert.match(flip!, /\| 10 +\| 0 +\| 0 +\|/);
});
