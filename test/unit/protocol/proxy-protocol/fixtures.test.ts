import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeProxyHeader } from '../../../../src/protocol/proxy-protocol/decode.js';
import { encodeV2Local } from '../../../../src/protocol/proxy-protocol/encode.js';
import { TLV_TYPES, type ProxyHeader } from '../../../../src/protocol/proxy-protocol/types.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../../fixtures/proxy-protocol/${name}`, import.meta.url));

const ip = (family: 'INET' | 'INET6', src: string, sport: number, dst: string, dport: number) => ({
  family,
  source: { address: src, port: sport },
  destination: { address: dst, port: dport },
});

// Headers HAProxy 2.6 sent (see test/fixtures/proxy-protocol/README.md), each followed by "hello\n".
const CASES: { file: string; version: 1 | 2; addresses: ProxyHeader['addresses']; tlvs?: [number, string][] }[] = [
  { file: 'haproxy-v1-tcp4.bin', version: 1, addresses: ip('INET', '127.0.0.1', 41952, '127.0.0.1', 17001) },
  { file: 'haproxy-v1-tcp6.bin', version: 1, addresses: ip('INET6', '::1', 48430, '::1', 17005) },
  { file: 'haproxy-v2-tcp4.bin', version: 2, addresses: ip('INET', '127.0.0.1', 60042, '127.0.0.1', 17002) },
  { file: 'haproxy-v2-tcp6.bin', version: 2, addresses: ip('INET6', '::1', 37414, '::1', 17004) },
  {
    file: 'haproxy-v2-crc32c-unique-id.bin',
    version: 2,
    addresses: ip('INET', '127.0.0.1', 49210, '127.0.0.1', 17003),
    tlvs: [
      [TLV_TYPES.CRC32C, 'c108ee0e'],
      [TLV_TYPES.UNIQUE_ID, Buffer.from('7F000001:C03A_7F000001:426B_6B050729').toString('hex')],
    ],
  },
];

for (const c of CASES)
  test(`fixture ${c.file}: decodes to what HAProxy sent, the payload left untouched`, () => {
    const bytes = fixture(c.file);
    const r = decodeProxyHeader(bytes);
    assert.equal(r.status, 'ok', JSON.stringify(r));
    if (r.status !== 'ok') return;
    assert.equal(r.header.version, c.version);
    assert.equal(r.header.command, 'PROXY');
    assert.equal(r.header.transport, 'STREAM');
    assert.deepEqual(r.header.addresses, c.addresses);
    assert.deepEqual(
      r.header.tlvs.map((t) => [t.type, t.value.toString('hex')]),
      c.tlvs ?? [],
    );
    assert.equal(bytes.subarray(r.consumed).toString(), 'hello\n');
  });

test('fixtures arriving one byte at a time: need-more until the last header byte, then the same header', () => {
  for (const c of CASES) {
    const bytes = fixture(c.file);
    const whole = decodeProxyHeader(bytes);
    assert.equal(whole.status, 'ok');
    if (whole.status !== 'ok') continue;
    for (let n = 0; n < whole.consumed; n++)
      assert.equal(decodeProxyHeader(bytes.subarray(0, n)).status, 'need-more', `${c.file} at ${n} bytes`);
    assert.deepEqual(decodeProxyHeader(bytes.subarray(0, whole.consumed)), whole);
  }
});

test('fixture: a CRC32C mismatch (one address byte changed) makes the header invalid', () => {
  const bytes = Buffer.from(fixture('haproxy-v2-crc32c-unique-id.bin'));
  bytes[19] = bytes[19]! ^ 0x01; // last byte of the source address
  const r = decodeProxyHeader(bytes);
  assert.equal(r.status, 'invalid');
  assert.match(r.status === 'invalid' ? r.reason : '', /CRC32C mismatch/);
});

test('fixture: the health-check LOCAL header HAProxy sends equals ours and decodes to LOCAL', () => {
  const bytes = fixture('haproxy-v2-local-check.bin');
  assert.deepEqual(encodeV2Local(), bytes);
  const r = decodeProxyHeader(bytes);
  assert.equal(r.status, 'ok');
  if (r.status === 'ok') {
    assert.equal(r.header.command, 'LOCAL');
    assert.deepEqual(r.header.addresses, { family: 'UNSPEC' });
    assert.equal(r.consumed, 16);
  }
});
