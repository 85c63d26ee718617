import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientTable } from '../../../src/access/client-table.js';

test('client table: caps concurrent connections per IP, freed on release', () => {
  const t = new ClientTable();
  const limits = { maxConcurrent: 2 };
  assert.equal(t.admit('10.0.0.1', limits, 0), undefined);
  assert.equal(t.admit('10.0.0.1', limits, 0), undefined);
  const r = t.admit('10.0.0.1', limits, 0);
  assert.equal(r?.reason, 'rate_limited');
  assert.match(r.detail, /10\.0\.0\.1 already has 2 connections \(max 2\)/);
  assert.equal(t.admit('10.0.0.2', limits, 0), undefined, 'another client is not affected');
  t.release('10.0.0.1', limits, 0);
  assert.equal(t.active('10.0.0.1'), 1);
  assert.equal(t.admit('10.0.0.1', limits, 0), undefined);
});

test('client table: rate limit per IP with a burst; a refused connection takes no token', () => {
  const t = new ClientTable();
  const limits = { rate: { perSecond: 2, burst: 3 } };
  const outcomes = Array.from({ length: 5 }, () => t.admit('a', limits, 0)?.reason ?? 'ok');
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
  assert.equal(t.admit('b', limits, 0), undefined, 'per client');
  assert.equal(t.admit('a', limits, 499)?.reason, 'rate_limited');
  assert.equal(t.admit('a', limits, 500), undefined, 'one token after 500 ms at 2/s');
});

test('client table: both limits; the concurrency refusal keeps the token', () => {
  const t = new ClientTable();
  const limits = { maxConcurrent: 1, rate: { perSecond: 1, burst: 2 } };
  assert.equal(t.admit('a', limits, 0), undefined);
  assert.match(t.admit('a', limits, 0)?.detail ?? '', /already has 1/);
  t.release('a', limits, 0);
  assert.equal(t.admit('a', limits, 0), undefined, 'the second token is still there');
  t.release('a', limits, 0);
  assert.match(t.admit('a', limits, 0)?.detail ?? '', /exceeds 1 connections\/s/);
});

test('client table: idle entries are dropped on release when they carry no state', () => {
  const t = new ClientTable();
  const limits = { maxConcurrent: 5 };
  t.admit('a', limits, 0);
  t.admit('a', limits, 0);
  t.release('a', limits, 0);
  assert.equal(t.size, 1);
  t.release('a', limits, 0);
  assert.equal(t.size, 0);
  t.release('a', limits, 0); // an extra release is harmless
  assert.equal(t.active('a'), 0);
});

test('client table: a scan of 200k source IPs keeps the table bounded (rate limit, short connections)', () => {
  const t = new ClientTable();
  const limits = { maxConcurrent: 4, rate: { perSecond: 5, burst: 10 } };
  // 1000 new clients a second; each bucket is full again 200 ms after its one connection.
  let now = 0;
  let peak = 0;
  for (let i = 0; i < 200_000; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    assert.equal(t.admit(ip, limits, now), undefined);
    t.release(ip, limits, now);
    peak = Math.max(peak, t.size);
    now += 1;
  }
  // About 200 entries are not idle at any time (their token is still refilling).
  assert.ok(peak < 1000, `peak table size ${peak}`);
  // Once the scan is over and buckets refilled, a little traffic sweeps the rest.
  now += 1000;
  for (let i = 0; i < peak; i++) {
    t.admit('192.168.0.1', limits, now);
    t.release('192.168.0.1', limits, now);
  }
  assert.ok(t.size <= 1, `table size after the scan: ${t.size}`);
});

test('client table: clients with open connections are kept; the hard cap bounds memory', () => {
  const t = new ClientTable(1000);
  const limits = { maxConcurrent: 1 };
  for (let i = 0; i < 5000; i++) t.admit(`ip${i}`, limits, 0); // all stay open
  assert.equal(t.size, 1000, 'never more than maxEntries');
  assert.equal(t.active('ip4999'), 1, 'the newest are kept');
  assert.equal(t.active('ip0'), 0, 'the oldest was forgotten');
  t.release('ip0', limits, 0); // its release finds nothing: harmless
  assert.equal(t.size, 1000);
});
