import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAcl } from '../../../src/access/acl.js';
import { ClientTable, type ClientLimits } from '../../../src/access/client-table.js';
import { SessionTable, type SessionPolicy } from '../../../src/udp/session-table.js';

// Admission of a UDP listener's new sessions, time passed in (no sockets, no sleeping).

const table = (p: { deny?: string[]; allow?: string[]; maxSessions?: number; limits?: ClientLimits }) => {
  let now = 0;
  const policy: SessionPolicy = {
    acl: compileAcl(p.allow ?? [], p.deny ?? []),
    maxSessions: p.maxSessions,
    limits: p.limits ?? {},
    clients: new ClientTable(),
    now: () => now,
  };
  const t = new SessionTable<string>(() => policy);
  /** admit + add under `ip port`: the refusal's reason, or 'ok'. */
  const open = (ip: string, port: number): string => {
    const r = t.admit(ip);
    if (r) return r.reason;
    t.add(ip, port, `${ip}:${port}`);
    return 'ok';
  };
  return { t, open, advance: (ms: number) => (now += ms) };
};

test('each refusal has its reason; nothing is counted for a refused session', () => {
  const cases: [string, Parameters<typeof table>[0], string[]][] = [
    ['no limits', {}, ['ok', 'ok', 'ok']],
    ['deny', { deny: ['10.0.0.0/8'] }, ['denied', 'denied', 'denied']],
    ['allow others only', { allow: ['192.0.2.1'] }, ['denied', 'denied', 'denied']],
    ['maxSessions 2', { maxSessions: 2 }, ['ok', 'ok', 'max_sessions']],
    ['per client 1', { limits: { maxConcurrent: 1 } }, ['ok', 'max_sessions_per_client', 'max_sessions_per_client']],
    ['rate 1 burst 2', { limits: { rate: { perSecond: 1, burst: 2 } } }, ['ok', 'ok', 'rate_limited']],
  ];
  for (const [name, policy, want] of cases) {
    const { t, open } = table(policy);
    assert.deepEqual(
      [1, 2, 3].map((port) => open('10.0.0.1', port)),
      want,
      name,
    );
    assert.equal(t.size, want.filter((w) => w === 'ok').length, `${name}: sessions held`);
  }
});

test('a session that ends gives its place back, to its listener and to its client address', () => {
  const { t, open } = table({ maxSessions: 2, limits: { maxConcurrent: 1 } });
  assert.equal(open('10.0.0.1', 1), 'ok');
  assert.equal(open('10.0.0.1', 2), 'max_sessions_per_client');
  assert.equal(open('10.0.0.2', 1), 'ok');
  assert.equal(open('10.0.0.3', 1), 'max_sessions');
  t.delete('10.0.0.1', 1);
  assert.equal(t.get('10.0.0.1', 1), undefined);
  assert.equal(open('10.0.0.1', 2), 'ok', 'the address has room again');
  t.delete('10.0.0.1', 9); // not held: releases nothing
  assert.equal(open('10.0.0.3', 1), 'max_sessions', 'a delete of an unknown session gave nothing back');
});

test('admitted but never started (no target): release gives the place back', () => {
  const { t, open } = table({ limits: { maxConcurrent: 1 } });
  assert.equal(t.admit('10.0.0.1'), undefined);
  t.release('10.0.0.1');
  assert.equal(open('10.0.0.1', 1), 'ok');
});

test('the rate refills with time', () => {
  const { open, advance } = table({ limits: { rate: { perSecond: 2, burst: 1 } } });
  assert.equal(open('10.0.0.1', 1), 'ok');
  assert.equal(open('10.0.0.1', 2), 'rate_limited');
  advance(500);
  assert.equal(open('10.0.0.1', 3), 'ok');
});

test('sessions are kept by address and port: each port of an address is its own session, every one listed', () => {
  const { t, open } = table({});
  for (const [ip, port] of [
    ['10.0.0.1', 1],
    ['10.0.0.1', 2],
    ['10.0.0.2', 1],
    ['::1', 1],
  ] as const)
    assert.equal(open(ip, port), 'ok');
  assert.equal(t.size, 4);
  assert.equal(t.get('10.0.0.1', 2), '10.0.0.1:2');
  assert.equal(t.get('10.0.0.2', 2), undefined, 'another address, same port');
  assert.deepEqual([...t.values()].sort(), ['10.0.0.1:1', '10.0.0.1:2', '10.0.0.2:1', '::1:1']);
  t.add('10.0.0.1', 2, 'replaced');
  assert.equal(t.size, 4, 'adding a held session again does not count it twice');
  for (const s of t.values()) {
    const [ip, port] =
      s === 'replaced' ? ['10.0.0.1', 2] : [s.slice(0, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
    t.delete(ip, Number(port)); // deleting while listing, as the idle sweep does
  }
  assert.equal(t.size, 0);
  assert.deepEqual([...t.values()], []);
});
