import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { killAll, killsOf, startBackends } from '../../src/chaos/backends.js';
import { describeFailures, summarize } from '../../src/chaos/failures.js';
import { runLoad, type Outcome } from '../../src/chaos/http-client.js';
import { startCli } from '../helpers/cli.js';

// Issue 14: "errors under backend churn are at most HAProxy's". A layer-4 proxy loses the requests a
// dying backend holds (in flight, or sent on a connection bound to it before its close arrived):
// both proxies lose those alike. Every other failure is the proxy's doing: there must be none.
// The kills pace the fault; what is asserted does not depend on timing (the clients' timeout is
// long enough for a loaded machine).
test(
  'backend churn: ours fails only the requests a killed backend took with it (keep-alive and new connections)',
  { timeout: 120_000 },
  async () => {
    const backends = await startBackends('b', 'http', 3);
    const lb = await startCli([
      '0',
      '--host',
      '127.0.0.1',
      '-b',
      backends.map((b) => `127.0.0.1:${b.port}`).join(','),
      '--health-interval',
      '2s',
      '--rise',
      '2',
      '--fall',
      '3',
      '--retries',
      '2',
      '--no-access-log',
      '--log-level',
      'warn',
    ]);
    try {
      for (const keepAlive of [true, false]) {
        const failed: Outcome[] = [];
        let served = 0;
        const concurrency = 8;
        const load = runLoad({
          port: lb.port,
          concurrency,
          seconds: 3,
          keepAlive,
          timeoutMs: 30_000,
          onOutcome: (o) => (o.ok ? served++ : failed.push(o)),
        });
        for (const b of backends.slice(0, 2)) {
          await sleep(500);
          b.kill();
          await sleep(500);
          await b.restart();
        }
        await load;
        const why = summarize(failed, killsOf(backends));
        const label = `${keepAlive ? 'keep-alive' : 'new connections'}: ${describeFailures(why)}`;
        assert.equal(why.byClass.new, 0, label);
        assert.ok(served > 0, label);
        // A kill takes at most one request per connection it held.
        if (keepAlive) assert.ok(why.total <= 2 * concurrency, label);
      }
    } finally {
      await lb.stop();
      killAll(backends);
    }
  },
);
