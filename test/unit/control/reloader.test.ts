import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplySummary } from '../../../src/app.js';
import type { Config } from '../../../src/config/schema.js';
import { NO_DIFF } from '../../../src/config/diff.js';
import { validateConfig } from '../../../src/config/validate.js';
import { describeSummary, Reloader, type LoadOutcome } from '../../../src/control/reloader.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { captureLog } from '../../helpers/capture-log.js';

const config = (port: number): Config => {
  const v = validateConfig({
    listeners: { web: { bind: `127.0.0.1:${port}`, pool: 'web' } },
    pools: { web: { targets: ['127.0.0.1:5001'] } },
  });
  assert.ok(v.ok);
  return v.config;
};

const summary = (changed: string[] = []): ApplySummary => ({
  listeners: { added: [], removed: [], changed },
  pools: { added: [], removed: [], changed: [] },
  diff: NO_DIFF,
});

const deferred = <T>(): { promise: Promise<T>; resolve: (v: T) => void } => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

test('describeSummary lists added, removed and changed names per section', () => {
  assert.equal(describeSummary(summary()), 'no changes');
  assert.equal(
    describeSummary({
      listeners: { added: ['api'], removed: ['old'], changed: ['web'] },
      pools: { added: [], removed: [], changed: ['web'] },
      diff: NO_DIFF,
    }),
    'listeners +api -old ~web; pools ~web',
  );
});

test('a valid config is applied: version goes up, last records it, the log says so', async () => {
  const clock = new FakeClock();
  clock.advance(Date.UTC(2026, 0, 2, 3, 4, 5));
  const { log, lines } = captureLog();
  const applied: Config[] = [];
  const r = new Reloader({
    load: () => Promise.resolve({ ok: true, config: config(8001) }),
    apply: (c) => {
      applied.push(c);
      return Promise.resolve(summary(['web']));
    },
    log,
    clock,
  });
  assert.equal(r.version, 1);
  assert.equal(r.last, undefined);
  const result = await r.reload('signal');
  assert.deepEqual(result, {
    ok: true,
    source: 'signal',
    issues: [],
    summary: summary(['web']),
    version: 2,
    at: '2026-01-02T03:04:05.000Z',
  });
  assert.equal(r.last, result);
  assert.equal(applied.length, 1);
  assert.equal(lines().at(-1)?.msg, 'config version 2 applied (signal): listeners ~web');
});

test('an invalid config is not applied: version stays, every problem is returned and logged', async () => {
  const { log, lines } = captureLog();
  let applied = 0;
  const issues = ['lb.yaml:3:11 listeners.web.bind: port 99999 is out of range', 'lb.yaml:7:5 pools.web.algoritm: x'];
  const r = new Reloader({
    load: () => Promise.resolve<LoadOutcome>({ ok: false, issues }),
    apply: () => {
      applied++;
      return Promise.resolve(summary());
    },
    log,
    clock: new FakeClock(),
  });
  const result = await r.reload('api');
  assert.equal(result.ok, false);
  assert.equal(result.version, 1);
  assert.deepEqual(result.issues, issues);
  assert.equal(result.summary, undefined);
  assert.equal(applied, 0);
  const msgs = lines().map((l) => l.msg);
  assert.deepEqual(msgs, [...issues, 'config reload (api) failed with 2 problems; still running config version 1']);
  assert.ok(lines().every((l) => l.level === 50));
});

test('a config that cannot be applied (port in use) fails the reload without throwing', async () => {
  const { log } = captureLog();
  const r = new Reloader({
    load: () => Promise.resolve({ ok: true, config: config(8001) }),
    apply: () => Promise.reject(new Error('cannot listen on 127.0.0.1:8001: address already in use')),
    log,
    clock: new FakeClock(),
  });
  const result = await r.reload('watch');
  assert.deepEqual(
    { ok: result.ok, version: result.version, issues: result.issues },
    { ok: false, version: 1, issues: ['cannot listen on 127.0.0.1:8001: address already in use'] },
  );
  assert.equal((await r.reload('watch')).version, 1);
});

test('reloads run one at a time; requests made meanwhile share the next one', async () => {
  const { log } = captureLog();
  const gates: { resolve: (v: ApplySummary) => void }[] = [];
  let loads = 0;
  let inApply = 0;
  let maxInApply = 0;
  const r = new Reloader({
    load: () => {
      loads++;
      return Promise.resolve({ ok: true, config: config(8001) });
    },
    apply: () => {
      inApply++;
      maxInApply = Math.max(maxInApply, inApply);
      const d = deferred<ApplySummary>();
      gates.push({
        resolve: (v) => {
          inApply--;
          d.resolve(v);
        },
      });
      return d.promise;
    },
    log,
    clock: new FakeClock(),
  });
  const first = r.reload('signal');
  await new Promise((res) => setImmediate(res));
  assert.equal(gates.length, 1);
  const second = r.reload('api');
  const third = r.reload('watch');
  assert.equal(second, third, 'queued requests share one reload');
  gates[0]!.resolve(summary());
  assert.equal((await first).version, 2);
  await new Promise((res) => setImmediate(res));
  assert.equal(gates.length, 2, 'the queued reload starts after the first');
  gates[1]!.resolve(summary());
  const r2 = await second;
  assert.equal(r2.version, 3);
  assert.equal(r2.source, 'api');
  assert.equal(loads, 2);
  assert.equal(maxInApply, 1);
  assert.equal(r.last, r2);
});
