import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/log/logger.js';
import { ControlPlane } from '../../../src/plane/control-plane.js';
import type { AckResult, DataPlaneLink, PlaneUpdate } from '../../../src/plane/plane-link.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import { config } from '../../helpers/app.js';

const A = '127.0.0.1:1001';
const cfg = config({
  listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
  pools: { web: { targets: [A], healthCheck: { interval: '1h', timeout: '1s' } } },
});
const log = createLogger({ level: 'silent', format: 'json' }).log;

/** A data plane's "applied": the control plane reads `gone` and `ok` (a worker's stats are not needed here). */
const APPLIED = { slot: 0, gone: false, ok: true } as unknown as AckResult;

/** A data plane that takes its time to start: its ack comes when the test says. */
class SlowLink implements DataPlaneLink {
  readonly coalesce = false;
  readonly sent: PlaneUpdate[] = [];
  #ack: (() => void) | undefined;
  start(): void {}
  keepAlive(): void {}
  broadcast(update: PlaneUpdate): void {
    this.sent.push(update);
  }
  awaitApplied(): Promise<AckResult[]> {
    return new Promise((resolve) => {
      this.#ack = () => resolve([APPLIED]);
    });
  }
  ack(): void {
    this.#ack?.();
  }
}

const healthOf = (u: PlaneUpdate | undefined): string | undefined => u?.pools.web?.find((t) => t.spec.id === A)?.health;

test('a target change made while the data plane starts reaches it once it is up (a first check found it DOWN)', async (t) => {
  const link = new SlowLink();
  const plane = new ControlPlane({ log, clock: new FakeClock(), random: seededRandom(1) }, link);
  t.after(() => plane.stop());
  const applied = plane.apply(cfg);
  assert.equal(link.sent.length, 1, 'the first update went out');
  assert.equal(healthOf(link.sent[0]), 'unknown');
  // the first check fails while the data plane is still opening its listeners
  plane.store.setHealth('web', A, 'unhealthy', 'after 1 failed check: connect ECONNREFUSED');
  assert.equal(link.sent.length, 1, 'nothing is sent to a data plane that is not up');
  link.ack();
  await applied;
  assert.equal(link.sent.length, 2, 'the missed change went out after the start');
  assert.equal(healthOf(link.sent[1]), 'unhealthy');
});

test('a start with no change meanwhile sends one update only', async (t) => {
  const link = new SlowLink();
  const plane = new ControlPlane({ log, clock: new FakeClock(), random: seededRandom(1) }, link);
  t.after(() => plane.stop());
  const applied = plane.apply(cfg);
  link.ack();
  await applied;
  assert.equal(link.sent.length, 1);
});
