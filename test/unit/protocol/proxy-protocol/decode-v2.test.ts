import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProxyHeader } from '../../../../src/protocol/proxy-protocol/decode.js';
import { encodeV2 } from '../../../../src/protocol/proxy-protocol/encode.js';

const SIG = '0d0a0d0a000d0a515549540a';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const decode = (h: string, maxV2Length?: number) =>
  decodeProxyHeader(hex(h), maxV2Length === undefined ? {} : { maxV2Length });
// TCP4 127.0.0.1:1 -> 127.0.0.2:2 address block
const INET = '7f000001 7f000002 0001 0002';

test('v2: headers with TLVs decode, unknown TLV types are kept, the payload is left', () => {
  const r = decode(`${SIG} 21 11 0018 ${INET} 02 0003 616263 e0 0003 010203 ffff`);
  assert.equal(r.status, 'ok', JSON.stringify(r));
  if (r.status !== 'ok') return;
  assert.equal(r.consumed, 16 + 24);
  assert.deepEqual(r.header.addresses, {
    family: 'INET',
    source: { address: '127.0.0.1', port: 1 },
    destination: { address: '127.0.0.2', port: 2 },
  });
  assert.deepEqual(
    r.header.tlvs.map((t) => [t.type, t.value.toString('hex')]),
    [
      [0x02, '616263'],
      [0xe0, '010203'],
    ],
  );
});

test('v2: LOCAL and UNSPEC skip the whole declared block, whatever it holds', () => {
  for (const h of [
    `${SIG} 20 00 0000`,
    `${SIG} 20 11 000c ${INET}`,
    `${SIG} 20 00 0003 ffffff`,
    `${SIG} 21 00 0002 abcd`,
  ]) {
    const r = decode(`${h} 99`);
    assert.equal(r.status, 'ok', h);
    if (r.status === 'ok') {
      assert.deepEqual(r.header.addresses, { family: 'UNSPEC' });
      assert.equal(r.consumed, hex(h).length);
      assert.deepEqual(r.header.tlvs, []);
    }
  }
});

test('v2: IPv6, UNIX and datagram families decode', () => {
  const v6 = `${SIG} 21 21 0024 20010db8000000000000000000000001 00000000000000000000ffff0a000001 1f90 0050`;
  const r6 = decode(v6);
  assert.equal(r6.status, 'ok');
  if (r6.status === 'ok')
    assert.deepEqual(r6.header.addresses, {
      family: 'INET6',
      source: { address: '2001:db8::1', port: 8080 },
      destination: { address: '::ffff:10.0.0.1', port: 80 },
    });
  const path = (p: string) => Buffer.from(p).toString('hex').padEnd(216, '0');
  const ru = decode(`${SIG} 21 31 00d8 ${path('/run/a.sock')} ${path('/run/b.sock')}`);
  assert.equal(ru.status, 'ok');
  if (ru.status === 'ok') {
    assert.deepEqual(ru.header.addresses, { family: 'UNIX', source: '/run/a.sock', destination: '/run/b.sock' });
    assert.equal(ru.header.transport, 'STREAM');
  }
  const rd = decode(`${SIG} 21 12 000c ${INET}`);
  assert.equal(rd.status === 'ok' && rd.header.transport, 'DGRAM');
});

test('v2: every field is checked; a bad one makes the header invalid', () => {
  const INVALID: [string, RegExp][] = [
    [`0d0a0d0a000d0a515549540b 21 11 000c ${INET}`, /bad signature/],
    [`${SIG} 11 11 000c ${INET}`, /unsupported version 1/],
    [`${SIG} 31 11 000c ${INET}`, /unsupported version 3/],
    [`${SIG} 22 11 000c ${INET}`, /unknown command 0x2/],
    [`${SIG} 2f 11 000c ${INET}`, /unknown command 0xf/],
    [`${SIG} 21 13 000c ${INET}`, /family\/transport byte 0x13/],
    [`${SIG} 21 41 000c ${INET}`, /family\/transport byte 0x41/],
    [`${SIG} 21 01 000c ${INET}`, /family\/transport byte 0x01/],
    [`${SIG} 21 10 000c ${INET}`, /family\/transport byte 0x10/],
    [`${SIG} 21 11 000b 7f000001 7f000002 0001 00`, /needs 12 bytes/],
    [`${SIG} 21 21 000c ${INET}`, /needs 36 bytes/],
    [`${SIG} 21 31 000c ${INET}`, /needs 216 bytes/],
    [`${SIG} 21 11 000e ${INET} 0000`, /stray byte/],
    [`${SIG} 21 11 0010 ${INET} 02 0002 61`, /declares 2 bytes, only 1 left/],
    [`${SIG} 21 11 0012 ${INET} 03 0003 000000`, /CRC32C TLV is 3 bytes/],
    [`${SIG} 21 11 0011 ${INET} 20 0002 0000`, /SSL TLV is 2 bytes/],
    [`${SIG} 21 11 0017 ${INET} 20 0008 01 00000000 21 0009`, /SSL TLV: .*declares 9/],
    [`${SIG} 21 11 0093 ${INET} 05 0084 ${'00'.repeat(132)}`, /UNIQUE_ID TLV is 132 bytes/],
    [`${SIG} 21 11 0200 ${INET}`, /exceeds the 64-byte bound/],
  ];
  for (const [h, why] of INVALID) {
    const r = decode(h, h.endsWith(`0200 ${INET}`) ? 64 : undefined);
    assert.equal(r.status, 'invalid', `${h} → ${JSON.stringify(r)}`);
    if (r.status === 'invalid') assert.match(r.reason, why, h);
  }
});

test('v2: a wrong fixed field is refused as soon as its byte arrives', () => {
  assert.equal(decode('0d0a0d0a01').status, 'invalid');
  assert.equal(decode(`${SIG} 10`).status, 'invalid');
  assert.equal(decode(`${SIG} 21 44`).status, 'invalid');
  assert.equal(decode(`${SIG} 21 11 ffff`).status, 'invalid', 'beyond the default 16 kB bound');
  assert.equal(decode(`${SIG} 21 11 000c 7f`).status, 'need-more');
});

test('v2: CRC32C is verified over the whole header, TLVs after it included; two of them are refused', () => {
  const good = encodeV2(
    {
      command: 'PROXY',
      addresses: {
        family: 'INET',
        source: { address: '10.0.0.1', port: 1000 },
        destination: { address: '10.0.0.2', port: 80 },
      },
      tlvs: [{ type: 0x05, value: Buffer.from('id-1') }],
    },
    { crc32c: true },
  );
  assert.equal(decodeProxyHeader(good).status, 'ok');
  const tampered = Buffer.from(good);
  tampered[good.length - 8] = tampered[good.length - 8]! ^ 0x20; // inside the UNIQUE_ID value, before the CRC TLV
  assert.match(JSON.stringify(decodeProxyHeader(tampered)), /CRC32C mismatch/);
  const twice = Buffer.concat([good, hex('03 0004 00000000')]);
  twice.writeUInt16BE(twice.length - 16, 14);
  assert.match(JSON.stringify(decodeProxyHeader(twice)), /more than one CRC32C|mismatch/);
});
