import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { IPC_VERSION, type Snapshot } from '../../../src/cluster/messages.js';
import type { PassiveReport } from '../../../src/cluster/remote-health.js';
import { Supervisor, type WorkerHandle } from '../../../src/cluster/supervisor.js';
import { createLogger } from '../../../src/log/logger.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

const cfg = config({ listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } }, pools: { web: {} } });
const stats = { connections: 0, listeners: [], pools: {} };

/** A worker process that the test drives: it records what it was sent. */
class FakeWorker extends EventEmitter implements WorkerHandle {
  readonly sent: unknown[] = [];
  readonly signals: string[] = [];
  constructor(readonly pid: number) {
    super();
  }
  send(m: unknown, cb: (e: Error | null) => void): boolean {
    this.sent.push(m);
    cb(null);
    return true;
  }
  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }
  say(m: Record<string, unknown>): void {
    this.emit('message', { v: IPC_VERSION, ...m });
  }
  exit(code: number | null, signal: string | null = null): void {
    this.emit('exit', code, signal);
  }
  types(): string[] {
    return this.sent.map((m) => (m as { type: string }).type);
  }
}

function setup(count = 2) {
  const clock = new FakeClock();
  const spawned: FakeWorker[] = [];
  const passive: PassiveReport[] = [];
  let version = 0;
  const sup = new Supervisor({
    count,
    spawn: () => {
      const w = new FakeWorker(1000 + spawned.length);
      spawned.push(w);
      return w;
    },
    clock,
    log: createLogger({ level: 'silent', format: 'json' }).log,
    policy: { baseMs: 100, maxMs: 400, stableMs: 1000, loopAfter: 3 },
    snapshot: (): Snapshot => ({
      v: 1,
      type: 'snapshot',
      version: ++version,
      configVersion: 1,
      config: cfg,
      pools: {},
    }),
    onPassive: (r) => passive.push(r),
  });
  const ready = (w: FakeWorker): void => {
    w.say({ type: 'hello', pid: w.pid });
    const snap = w.sent.at(-1) as Snapshot;
    w.say({ type: 'applied', version: snap.version, ok: true, stats });
  };
  return { clock, spawned, passive, sup, ready };
}

test('each worker gets the current snapshot when it says hello; acks resolve the wait', async () => {
  const { spawned, sup, ready } = setup();
  sup.start();
  assert.equal(spawned.length, 2);
  const waiting = sup.awaitApplied(1, 5000);
  for (const w of spawned) ready(w);
  const acks = await waiting;
  assert.deepEqual(
    acks.map((a) => [a.slot, !a.gone && a.ok]),
    [
      [1, true],
      [2, true],
    ],
  );
  assert.deepEqual(spawned[0]!.types(), ['snapshot']);
});

test('a dead worker is restarted with backoff; a crash loop slows down instead of spinning', () => {
  const { clock, spawned, sup, ready } = setup(1);
  sup.start();
  ready(spawned[0]!);
  sup.keepAlive();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const w = spawned.at(-1)!;
    w.exit(null, 'SIGKILL');
    const before = spawned.length;
    let waited = 0;
    while (spawned.length === before) {
      clock.advance(50);
      waited += 50;
    }
    delays.push(waited);
  }
  assert.deepEqual(delays, [100, 200, 400, 400, 400]);
  assert.equal(sup.slots()[0]!.record.restarts, 5);
});

test('a worker dying before the cluster started is not restarted, and its wait ends as gone', async () => {
  const { clock, spawned, sup } = setup(1);
  sup.start();
  const waiting = sup.awaitApplied(1, 5000);
  spawned[0]!.exit(1);
  assert.deepEqual(await waiting, [{ slot: 1, gone: true }]);
  clock.advance(10_000);
  assert.equal(spawned.length, 1);
});

test('drain tells every worker, resolves when all exited, and restarts none', async () => {
  const { clock, spawned, sup, ready } = setup();
  sup.start();
  spawned.forEach(ready);
  sup.keepAlive();
  let drained = false;
  const done = sup.drain(1000).then(() => (drained = true));
  assert.deepEqual(
    spawned.map((w) => w.types().at(-1)),
    ['drain', 'drain'],
  );
  spawned[0]!.exit(0);
  await Promise.resolve();
  assert.equal(drained, false);
  spawned[1]!.exit(0);
  await done;
  clock.advance(10_000);
  assert.equal(spawned.length, 2, 'no restart while stopping');
});

test('a worker that overstays the drain is killed', async () => {
  const { clock, spawned, sup, ready } = setup(1);
  sup.start();
  ready(spawned[0]!);
  const done = sup.drain(1000, 500);
  clock.advance(1499);
  assert.deepEqual(spawned[0]!.signals, []);
  clock.advance(1);
  assert.deepEqual(spawned[0]!.signals, ['SIGKILL']);
  spawned[0]!.exit(null, 'SIGKILL');
  await done;
});

test('requests collect answers by id; a worker that does not answer in time is left out', async () => {
  const { clock, spawned, sup, ready } = setup();
  sup.start();
  spawned.forEach(ready);
  const pending = sup.request('stats', 1000);
  const ask = spawned[0]!.sent.at(-1) as { id: number; what: string };
  assert.equal(ask.what, 'stats');
  spawned[0]!.say({ type: 'stats', id: ask.id, stats: { ...stats, connections: 3 } });
  clock.advance(1000);
  const answers = await pending;
  assert.deepEqual(
    answers.map((a) => a.stats.connections),
    [3],
  );
  assert.equal(sup.slots()[0]!.stats?.connections, 3);
});

test('the open connections of a target are asked of every worker, each answer with its slot', async () => {
  const { clock, spawned, sup, ready } = setup(3);
  sup.start();
  spawned.forEach(ready);
  const pending = sup.connections('web', '127.0.0.1:1', 50, 1000);
  const conn = { client: '127.0.0.1:4000', listener: 'main', ageSeconds: 1, bytesFromClient: 0, bytesToClient: 0 };
  for (const [i, w] of spawned.entries()) {
    const ask = w.sent.at(-1) as { type: string; id: number; pool: string; target: string; limit: number };
    assert.deepEqual(
      { type: ask.type, pool: ask.pool, target: ask.target, limit: ask.limit },
      { type: 'connections', pool: 'web', target: '127.0.0.1:1', limit: 50 },
    );
    if (i < 2) w.say({ type: 'connections', id: ask.id, connections: i === 0 ? [conn] : [] });
  }
  clock.advance(1000); // the third never answers
  const answers = await pending;
  assert.deepEqual(
    answers.map((a) => [a.slot, a.answer.connections.length]),
    [
      [1, 1],
      [2, 0],
    ],
  );
});

test('passive reports reach the control plane; malformed messages are dropped', () => {
  const { spawned, sup, passive } = setup(1);
  sup.start();
  spawned[0]!.say({ type: 'passive', pool: 'web', target: '127.0.0.1:1', ok: false, detail: 'refused' });
  spawned[0]!.emit('message', { v: 1, type: 'passive', pool: 'web' });
  spawned[0]!.emit('message', 'garbage');
  assert.deepEqual(passive, [
    { v: 1, type: 'passive', pool: 'web', target: '127.0.0.1:1', ok: false, detail: 'refused' },
  ]);
});

test('a restarted worker that cannot apply the running config is killed (and so backs off)', () => {
  const { clock, spawned, sup, ready } = setup(1);
  sup.start();
  ready(spawned[0]!);
  sup.keepAlive();
  spawned[0]!.exit(null, 'SIGKILL');
  clock.advance(100);
  const second = spawned[1]!;
  second.say({ type: 'hello', pid: second.pid });
  const snap = second.sent.at(-1) as Snapshot;
  second.say({
    type: 'applied',
    version: snap.version,
    ok: false,
    error: { code: 'LB_ERR_LISTEN', message: 'x' },
    stats,
  });
  assert.deepEqual(second.signals, ['SIGKILL']);
});
