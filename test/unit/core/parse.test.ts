import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration } from '../../../src/core/duration.js';
import { formatHostPort, normalizeIp, parseHostPort } from '../../../src/core/address.js';
import { parseBackends } from '../../../src/cli/options.js';

test('durations: accepted forms and clear errors', () => {
  const ok: [string | number, number][] = [
    ['500ms', 500],
    ['2s', 2000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['250', 250],
    [0, 0],
    ['0', 0],
  ];
  for (const [text, ms] of ok) assert.equal(parseDuration(text), ms, String(text));
  for (const bad of ['', 'abc', '5x', '-1s', '1e3', 's'])
    assert.throws(() => parseDuration(bad, '--idle-timeout'), /--idle-timeout: .* is not a duration/);
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(1500), '1500ms');
});

test('addresses: host:port, [v6]:port, errors name the problem', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5001'), { host: '127.0.0.1', port: 5001 });
  assert.deepEqual(parseHostPort('[::1]:5001'), { host: '::1', port: 5001 });
  assert.deepEqual(parseHostPort('backend.internal:80'), { host: 'backend.internal', port: 80 });
  assert.equal(formatHostPort({ host: '::1', port: 1 }), '[::1]:1');
  const bad: [string, RegExp][] = [
    ['127.0.0.1', /has no port/],
    ['127.0.0.1:99999', /port 99999 is out of range/],
    ['127.0.0.1:0', /port 0 is out of range/],
    ['::1:80', /write IPv6 addresses as \[ADDR\]:PORT/],
    ['[zz]:80', /not an IPv6 address/],
    ['bad host:80', /not a valid host/],
    ['h:8o', /not a port number/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseHostPort(text), re, text);
  assert.equal(normalizeIp('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(normalizeIp('::1'), '::1');
});

test('--backend: lists, weights and IPv6', () => {
  assert.deepEqual(parseBackends(['127.0.0.1:1,127.0.0.1:2@3', '[::1]:5001@2']), [
    { address: '127.0.0.1:1', weight: 1 },
    { address: '127.0.0.1:2', weight: 3 },
    { address: '[::1]:5001', weight: 2 },
  ]);
  assert.throws(() => parseBackends(['127.0.0.1:1@0']), /weight "0"/);
  assert.throws(() => parseBackends([',']), /no backend given/);
});
