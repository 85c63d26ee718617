import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:net';
import { App, type AppDeps } from '../../../src/app.js';
import { ClusterEngine } from '../../../src/cluster/cluster-engine.js';
import { IPC_VERSION, type Snapshot } from '../../../src/cluster/messages.js';
import type { WorkerHandle } from '../../../src/cluster/supervisor.js';
import { fanout } from '../../../src/log/access-log.js';
import { createLogger } from '../../../src/log/logger.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

// An admin change made while a reload is being applied is never lost: not when the reload
// succeeds (it is newer than the file), not when it fails and is reverted.

const A = '127.0.0.1:1001';
const B = '127.0.0.1:1002';
const cfg = (listeners: Record<string, string>) =>
  config({
    listeners: Object.fromEntries(Object.entries(listeners).map(([n, bind]) => [n, { bind, pool: 'web' }])),
    pools: { web: { targets: [A, B], healthCheck: { type: 'none' } } },
  });

const deps = (clock = new FakeClock()): AppDeps => ({
  log: createLogger({ level: 'silent', format: 'json' }).log,
  clock,
  random: seededRandom(3),
  observer: fanout([]),
});

const state = (app: { store: App['store'] }) =>
  app.store.pool('web')!.targets.map((t) => `${t.id} w${t.spec.weight} ${t.admin}`);

async function busyPort(): Promise<Server> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

test('single process: admin changes made while a reload opens its listeners survive it', async (t) => {
  const app = new App(deps());
  t.after(() => app.stop());
  await app.apply(cfg({ main: '127.0.0.1:0' }));
  app.store.setWeight('web', A, 9, 'admin PATCH by 127.0.0.1'); // before the reload: the reload resets it
  const reload = app.apply(cfg({ main: '127.0.0.1:0', extra: '127.0.0.1:0' }));
  // the reload now waits for its new listener to bind: the admin API answers meanwhile
  app.store.setWeight('web', B, 5, 'admin PATCH by 127.0.0.1');
  app.store.setAdminState('web', A, 'drain', 'admin PATCH by 127.0.0.1');
  await reload;
  assert.deepEqual(state(app), [`${A} w1 drain`, `${B} w5 ready`]);
  assert.deepEqual(
    app
      .pools()
      .get('web')!
      .pool.targets()
      .map((x) => `${x.id} w${x.weight} ${x.admin}`),
    state(app),
    'the data plane has it too',
  );
});

test('single process: a reload that cannot bind changes nothing, and admin changes made meanwhile stay', async (t) => {
  const busy = await busyPort();
  t.after(() => new Promise((r) => busy.close(r)));
  const app = new App(deps());
  t.after(() => app.stop());
  await app.apply(cfg({ main: '127.0.0.1:0' }));
  app.store.setWeight('web', A, 9, 'admin PATCH by 127.0.0.1');
  const addr = busy.address() as { port: number };
  const reload = app.apply(cfg({ main: '127.0.0.1:0', extra: `127.0.0.1:${addr.port}` }));
  app.store.setAdminState('web', B, 'maint', 'admin PATCH by 127.0.0.1');
  await assert.rejects(reload, { code: 'LB_ERR_LISTEN' });
  assert.deepEqual(state(app), [`${A} w9 ready`, `${B} w1 maint`]);
});

/** A worker process the test drives. */
class FakeWorker extends EventEmitter implements WorkerHandle {
  readonly sent: Snapshot[] = [];
  constructor(readonly pid: number) {
    super();
  }
  send(m: unknown, cb: (e: Error | null) => void): boolean {
    if ((m as { type: string }).type === 'snapshot') this.sent.push(m as Snapshot);
    cb(null);
    return true;
  }
  kill(): void {
    this.emit('exit', null, 'SIGKILL');
  }
  say(m: Record<string, unknown>): void {
    this.emit('message', { v: IPC_VERSION, ...m });
  }
  applied(ok: boolean): void {
    const version = this.sent.at(-1)!.version;
    const error = ok ? {} : { error: { code: 'LB_ERR_LISTEN', message: 'port in use' } };
    this.say({ type: 'applied', version, ok, stats: { connections: 0, listeners: [], pools: {} }, ...error });
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test('cluster: a reload a worker refuses is reverted without undoing admin changes made while it was applied', async (t) => {
  const workers: FakeWorker[] = [];
  const engine = new ClusterEngine({
    workers: 2,
    app: deps(),
    spawn: () => {
      const w = new FakeWorker(100 + workers.length);
      workers.push(w);
      setImmediate(() => w.say({ type: 'hello', pid: w.pid }));
      return w;
    },
  });
  t.after(() => engine.stop());
  const starting = engine.apply(cfg({ main: '127.0.0.1:0' }));
  while (workers.length < 2 || workers.some((w) => w.sent.length === 0)) await tick();
  for (const w of workers) w.applied(true);
  await starting;
  engine.store.setWeight('web', A, 9, 'admin PATCH by 127.0.0.1');
  engine.store.setAdminState('web', A, 'drain', 'admin PATCH by 127.0.0.1');

  const reload = engine.apply(cfg({ main: '127.0.0.1:0', extra: '127.0.0.1:0' }));
  const lastHasExtra = (w: FakeWorker) => 'extra' in w.sent.at(-1)!.config.listeners;
  while (!workers.every(lastHasExtra)) await tick();
  assert.deepEqual(state(engine), [`${A} w1 drain`, `${B} w1 ready`], 'the reload reset the weight, kept the state');
  // while the workers apply it: admin changes
  engine.store.setAdminState('web', B, 'maint', 'admin PATCH by 127.0.0.1');
  engine.store.setWeight('web', A, 4, 'admin PATCH by 127.0.0.1');
  workers[0]!.applied(false);
  workers[1]!.applied(true);
  while (workers.some(lastHasExtra)) await tick();
  for (const w of workers) w.applied(true); // the revert
  await assert.rejects(reload, { code: 'LB_ERR_LISTEN' });
  assert.deepEqual(state(engine), [`${A} w4 drain`, `${B} w1 maint`]);
  const last = workers[0]!.sent.at(-1)!;
  assert.deepEqual(Object.keys(last.config.listeners), ['main'], 'the workers are back on the previous config');
  assert.deepEqual(
    last.pools.web!.map((x) => `${x.spec.id} w${x.spec.weight} ${x.admin}`),
    [`${A} w4 drain`, `${B} w1 maint`],
    'and have the admin changes',
  );
});

test('cluster: a change a discovery source makes in the store reaches the workers without being asked', async (t) => {
  const workers: FakeWorker[] = [];
  const engine = new ClusterEngine({
    workers: 2,
    app: deps(),
    spawn: () => {
      const w = new FakeWorker(200 + workers.length);
      workers.push(w);
      setImmediate(() => w.say({ type: 'hello', pid: w.pid }));
      return w;
    },
  });
  t.after(() => engine.stop());
  const starting = engine.apply(cfg({ main: '127.0.0.1:0' }));
  while (workers.length < 2 || workers.some((w) => w.sent.length === 0)) await tick();
  for (const w of workers) w.applied(true);
  await starting;
  const C = { id: '127.0.0.1:1003', host: '127.0.0.1', port: 1003, weight: 1, backup: false };
  engine.store.setSourceTargets('web', 'dns:web', [C], 'dns: 1 address');
  const hasC = (w: FakeWorker) => w.sent.at(-1)!.pools.web!.some((x) => x.spec.id === C.id);
  while (!workers.every(hasC)) await tick();
  assert.deepEqual(
    workers[1]!.sent.at(-1)!.pools.web!.map((x) => x.spec.id),
    [A, B, C.id],
  );
});
