import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CidrList, parseCidr, parseIp } from '../../../src/core/cidr.js';

test('parseIp: both families into 128 bits, IPv4 as IPv4-mapped IPv6', () => {
  const table: [string, readonly number[] | undefined][] = [
    ['10.1.2.3', [0, 0, 0xffff, 0x0a010203]],
    ['::ffff:10.1.2.3', [0, 0, 0xffff, 0x0a010203]],
    ['::ffff:a01:203', [0, 0, 0xffff, 0x0a010203]],
    ['::1', [0, 0, 0, 1]],
    ['::', [0, 0, 0, 0]],
    ['2001:db8::8:800:200c:417a', [0x20010db8, 0, 0x00080800, 0x200c417a]],
    ['fe80::1%eth0', [0xfe800000, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['255.255.255.255', [0, 0, 0xffff, 0xffffffff]],
    ['256.1.1.1', undefined],
    ['01.2.3.4', undefined],
    ['example.com', undefined],
    ['', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
  ];
  for (const [text, want] of table) assert.deepEqual(parseIp(text), want, text);
});

test('parseCidr: prefix lengths, host addresses and bad input', () => {
  assert.equal(parseCidr('10.0.0.0/8').bits, 104);
  assert.equal(parseCidr('10.0.0.7').bits, 128);
  assert.equal(parseCidr('2001:db8::/32').bits, 32);
  assert.deepEqual(parseCidr('10.9.8.7/8').words, parseCidr('10.0.0.0/8').words, 'host bits are masked off');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', 'x/8', '10.0.0/8', '/8'])
    assert.throws(() => parseCidr(bad), { code: 'LB_ERR_INVALID_ARGUMENT' }, bad);
});

test('CidrList.has: IPv4, IPv6 and IPv4-mapped IPv6 on either side', () => {
  const table: [string[], string, boolean][] = [
    [['10.0.0.0/8'], '10.255.1.1', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '::ffff:10.1.1.1', true],
    [['::ffff:10.0.0.0/104'], '10.1.1.1', true],
    [['::ffff:10.0.0.0/104'], '11.1.1.1', false],
    [['192.168.1.0/24'], '192.168.1.255', true],
    [['192.168.1.0/24'], '192.168.2.0', false],
    [['192.168.1.128/25'], '192.168.1.127', false],
    [['192.168.1.128/25'], '192.168.1.128', true],
    [['127.0.0.1'], '127.0.0.1', true],
    [['127.0.0.1'], '127.0.0.2', false],
    [['0.0.0.0/0'], '8.8.8.8', true],
    [['0.0.0.0/0'], '::1', false],
    [['::/0'], '::1', true],
    [['::/0'], '8.8.8.8', true],
    [['2001:db8::/32'], '2001:db8:ffff::1', true],
    [['2001:db8::/32'], '2001:db9::1', false],
    [['2001:db8:0:0:8000::/65'], '2001:db8::8000:0:0:1', true],
    [['2001:db8:0:0:8000::/65'], '2001:db8::7fff:0:0:1', false],
    [['::1/128'], '::1', true],
    [['::1/128'], '::2', false],
    [['10.0.0.0/8', '::1'], '::1', true],
    [[], '10.0.0.1', false],
    [['0.0.0.0/0'], 'not-an-ip', false],
  ];
  for (const [list, ip, want] of table) assert.equal(new CidrList(list).has(ip), want, `${list.join(',')} ∋ ${ip}`);
});

test('CidrList.has agrees with a prefix comparison for random IPv4 rules', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  fc.assert(
    fc.property(ipv4, ipv4, fc.integer({ min: 0, max: 32 }), (a, b, bits) => {
      const num = (q: number[]): number => ((q[0]! << 24) | (q[1]! << 16) | (q[2]! << 8) | q[3]!) >>> 0;
      const m = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      const want = (num(a) & m) >>> 0 === (num(b) & m) >>> 0;
      const list = new CidrList([`${a.join('.')}/${bits}`]);
      return list.has(b.join('.')) === want && list.has(`::ffff:${b.join('.')}`) === want;
    }),
  );
});
