import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { systemClock } from '../../../src/core/clock.js';
import type { TargetSpec } from '../../../src/core/types.js';
import { createEtcdClient } from '../../../src/discovery/etcd-client.js';
import { discoveredSpec } from '../../../src/discovery/target-spec.js';
import { Fleet } from '../../../src/fleet/fleet.js';
import { nodeKey } from '../../../src/fleet/fleet-keys.js';
import { RESTORE_WRITER, TargetStore } from '../../../src/store/target-store.js';
import { captureLog } from '../../helpers/capture-log.js';
import { startEtcd, type EtcdCluster } from '../../helpers/etcd.js';
import { eventually } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';
import { ProcessSet } from '../../../src/bench/procs.js';
import { fileURLToPath } from 'node:url';

const specs = (...ports: number[]): TargetSpec[] => ports.map((port) => discoveredSpec({ host: '127.0.0.1', port }));

interface Node {
  readonly name: string;
  readonly store: TargetStore;
  readonly fleet: Fleet;
  readonly client: Etcd3;
  readonly lines: () => Record<string, unknown>[];
  /** `id:admin@weight` of every target of pool web */
  view(): string[];
  stop(): Promise<void>;
}

function startNode(
  etcd: EtcdCluster,
  name: string,
  opts: { hash?: string; ttlMs?: number; wrap?: (c: Etcd3) => Etcd3 } = {},
): Node {
  const clock = systemClock();
  const store = new TargetStore({ clock });
  store.applyConfig({ web: specs(9001, 9002, 9003) }, 'config load');
  const real = createEtcdClient({ endpoints: etcd.endpoints, requestTimeoutMs: 1000 });
  const client = opts.wrap ? opts.wrap(real) : real;
  const { log, lines } = captureLog();
  const fleet = new Fleet({
    settings: {
      name,
      ttlMs: opts.ttlMs ?? 2000,
      prefix: '/lbtest/',
      version: '0.1.0',
      configHash: () => opts.hash ?? 'h1',
      adminUrl: () => `http://127.0.0.1:1/${name}`,
    },
    client,
    store,
    log,
    clock,
  });
  fleet.start();
  return {
    name,
    store,
    fleet,
    client,
    lines,
    view: () =>
      store
        .pool('web')!
        .targets.map((t) => `${t.id}:${t.admin}@${t.spec.weight}`)
        .sort(),
    stop: async () => {
      await fleet.stop();
      real.close();
    },
  };
}

const same = (nodes: Node[], want: string[], what: string, ms = 3000) =>
  eventually(
    () => {
      const views = nodes.map((n) => JSON.stringify(n.view()));
      if (views.every((v) => v === JSON.stringify(want))) return true;
      throw new Error(views.join(' | '));
    },
    ms,
    what,
  );

test('fleet of three nodes on a three-member etcd: admin changes shared within a second, a joining node starts with them, the leader killed, quorum lost and back', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(3);
  const nodes: Node[] = [];
  try {
    const a = startNode(etcd, 'lb-1');
    const b = startNode(etcd, 'lb-2');
    nodes.push(a, b);
    await eventually(
      () => a.fleet.nodes().nodes.length === 2 && b.fleet.status().state === 'sharing',
      5000,
      'both registered',
    );

    // PATCH state and weight, POST and DELETE, made on either node, reach the other within a second
    const t0 = Date.now();
    a.store.setAdminState('web', '127.0.0.1:9001', 'drain', 'admin PATCH by 127.0.0.1');
    b.store.setWeight('web', '127.0.0.1:9002', 5, 'admin PATCH by 127.0.0.1');
    b.store.addTarget('web', specs(9004)[0]!, 'admin POST by 127.0.0.1');
    a.store.removeTarget('web', '127.0.0.1:9003', 'admin DELETE by 127.0.0.1');
    const shared = ['127.0.0.1:9001:drain@1', '127.0.0.1:9002:ready@5', '127.0.0.1:9004:ready@1'];
    await same([a, b], shared, 'every change on both nodes', 1000);
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);

    // what is shared is known by the events' kind, not by their text: a restored state stays here
    a.store.setAdminState('web', '127.0.0.1:9002', 'maint', 'admin PATCH by 127.0.0.1', RESTORE_WRITER);
    a.store.setWeight('web', '127.0.0.1:9004', 2, 'an admin change');
    await eventually(() => b.view().includes('127.0.0.1:9004:ready@2'), 3000, 'the admin change shared');
    assert.ok(b.view().includes('127.0.0.1:9002:ready@5'), `the restored state is not shared: ${b.view().join()}`);
    a.store.setAdminState('web', '127.0.0.1:9002', 'ready', 'state restored', RESTORE_WRITER);
    a.store.setWeight('web', '127.0.0.1:9004', 1, 'admin PATCH by 127.0.0.1');
    await same([a, b], shared, 'as before');

    // a node that joins starts with the fleet's state
    const c = startNode(etcd, 'lb-3', { hash: 'h2' });
    nodes.push(c);
    await same([a, b, c], shared, 'the new node caught up');
    const view = await eventually(
      () => {
        const v = a.fleet.nodes();
        return v.nodes.length === 3 ? v : undefined;
      },
      5000,
      'three nodes listed',
    );
    assert.deepEqual(
      view.nodes.map((n) => [n.name, n.configDiffers]),
      [
        ['lb-1', false],
        ['lb-2', false],
        ['lb-3', true],
      ],
    );
    assert.equal(view.sameConfig, false);
    assert.deepEqual(view.configHashes, { h1: ['lb-1', 'lb-2'], h2: ['lb-3'] });
    assert.ok(view.nodes.every((n) => n.adminUrl?.startsWith('http://') && n.version === '0.1.0' && n.startedAt));

    // the leader killed in the middle: the two others keep the quorum, sharing goes on
    const leader = await etcd.leader();
    await leader.stop(0);
    c.store.setAdminState('web', '127.0.0.1:9004', 'maint', 'admin PATCH by 127.0.0.1');
    const afterKill = ['127.0.0.1:9001:drain@1', '127.0.0.1:9002:ready@5', '127.0.0.1:9004:maint@1'];
    await same([a, b, c], afterKill, 'shared after the leader died', 8000);

    // quorum lost: every node serves on, a change applies where it was made, and is shared when etcd is back
    const second = etcd.members.find((m) => m.running())!;
    await eventually(() => b.fleet.status().state === 'sharing', 8000, 'sharing before');
    const notSharingBefore = b.lines().filter((l) => /not sharing/.test(String(l.msg))).length;
    await second.stop(0);
    b.store.setAdminState('web', '127.0.0.1:9001', 'ready', 'admin PATCH by 127.0.0.1');
    assert.deepEqual(b.view()[0], '127.0.0.1:9001:ready@1', 'applied here at once');
    await eventually(() => b.fleet.status().state === 'not-sharing', 8000, 'not sharing');
    assert.equal(b.fleet.status().unsent, 1);
    assert.equal(a.view()[0], '127.0.0.1:9001:drain@1', 'the others keep what they had');
    const notSharing = () => b.lines().filter((l) => /not sharing/.test(String(l.msg))).length;
    assert.equal(notSharing() - notSharingBefore, 1, 'logged once');
    await Promise.all(etcd.members.map((m) => m.start()));
    await same(
      [a, b, c],
      ['127.0.0.1:9001:ready@1', '127.0.0.1:9002:ready@5', '127.0.0.1:9004:maint@1'],
      'shared once etcd is back',
      15_000,
    );
    await eventually(
      () => b.fleet.status().state === 'sharing' && b.fleet.status().unsent === 0,
      8000,
      'sharing again',
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await etcd.close();
  }
});

test('fleet: a node that dies leaves the list when its lease expires; one that stops leaves at once', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  const a = startNode(etcd, 'lb-1');
  const procs = new ProcessSet();
  const b = procs.start('lb-2', process.execPath, [
    ...['--import', 'tsx', fileURLToPath(new URL('../../fixtures/programs/fleet-node.ts', import.meta.url))],
    ...[etcd.endpoints.join(','), 'lb-2', '1000', '/lbtest/'],
  ]);
  const c = startNode(etcd, 'lb-3');
  try {
    await eventually(() => a.fleet.nodes().nodes.length === 3, 10_000, 'three registered');
    process.kill(b.pid, 'SIGKILL'); // dies: no revoke, its keep-alives stop
    const died = Date.now();
    await eventually(
      () =>
        a.fleet
          .nodes()
          .nodes.map((n) => n.name)
          .join() === 'lb-1,lb-3',
      8000,
      'lb-2 gone with its lease',
    );
    assert.ok(Date.now() - died >= 500, 'not before its lease ran out');
    await c.stop();
    await eventually(
      () =>
        a.fleet
          .nodes()
          .nodes.map((n) => n.name)
          .join() === 'lb-1',
      2000,
      'lb-3 gone at once',
    );
  } finally {
    await a.stop();
    await c.stop();
    await procs.stopAll();
    procs.close();
    await etcd.close();
  }
});

/** `client`, whose lease writes fail (one failure, as a timeout would) while `failNext()` says so. */
function failingLeaseWrites(client: Etcd3, failNext: () => boolean): Etcd3 {
  const failed = { value: () => ({ exec: () => Promise.reject(new Error('injected: deadline exceeded')) }) };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'lease') return Reflect.get(target, prop, receiver) as unknown;
      return (ttl: number) =>
        new Proxy(target.lease(ttl), {
          get(lease, p, r) {
            if (p === 'put') return (key: string) => (failNext() ? failed : lease.put(key));
            const v = Reflect.get(lease, p, r) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(lease) : v;
          },
        });
    },
  });
}

test('fleet: a registration whose write failed is written again by itself, so the others never keep a stale view of this node', async (t) => {
  if (!requireProgram(t, 'etcd', 'etcd-server')) return;
  const etcd = await startEtcd(1);
  let failures = 0;
  const node = startNode(etcd, 'lb-1', { wrap: (c) => failingLeaseWrites(c, () => failures-- > 0) });
  const health = async (): Promise<string | undefined> => {
    const v = await node.client.get(nodeKey('/lbtest/', 'lb-1')).string();
    return v
      ? (JSON.parse(v) as { health: Record<string, Record<string, string>> }).health.web?.['127.0.0.1:9001']
      : undefined;
  };
  try {
    await eventually(async () => (await health()) === 'unknown', 10_000, 'registered');
    failures = 1; // the write of the next registration fails; nothing else will write it
    assert.ok(node.store.setHealth('web', '127.0.0.1:9001', 'healthy', 'a check passed'));
    await eventually(async () => (await health()) === 'healthy', 10_000, 'the health change written after the failure');
    assert.equal(failures, -1, 'one write failed (injected), the next went through');
    assert.ok(
      node.lines().some((l) => /registering: injected/.test(String(l.msg))),
      'the failure was logged',
    );
    await eventually(() => node.fleet.status().state === 'sharing', 5000, "the status says 'sharing' again");
  } finally {
    await node.stop();
    await etcd.close();
  }
});
