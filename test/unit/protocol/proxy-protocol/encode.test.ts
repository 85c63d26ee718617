import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionAddresses } from '../../../../src/protocol/proxy-protocol/connection-addresses.js';
import { encodeV1, encodeV2 } from '../../../../src/protocol/proxy-protocol/encode.js';

const ep = (address: string, port: number) => ({ address, port });

test('encodeV1: TCP4 / TCP6 lines in canonical form, UNKNOWN when there are no addresses', () => {
  const v4 = connectionAddresses(ep('192.168.0.1', 56324), ep('192.168.0.11', 443));
  assert.equal(encodeV1(v4).toString(), 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
  const v6 = connectionAddresses(ep('2001:DB8:0:0:0:0:0:1', 1), ep('::1', 2));
  assert.equal(encodeV1(v6).toString(), 'PROXY TCP6 2001:db8::1 ::1 1 2\r\n');
  assert.equal(encodeV1({ family: 'UNSPEC' }).toString(), 'PROXY UNKNOWN\r\n');
});

test('connectionAddresses: v4-mapped on both ends is promoted to TCP4; a mixed pair is TCP6 with v4-mapped', () => {
  const mapped = connectionAddresses(ep('::ffff:10.0.0.1', 5), ep('::ffff:10.0.0.2', 6));
  assert.equal(encodeV1(mapped).toString(), 'PROXY TCP4 10.0.0.1 10.0.0.2 5 6\r\n');
  const mixed = connectionAddresses(ep('10.0.0.1', 5), ep('2001:db8::2', 6));
  assert.equal(encodeV1(mixed).toString(), 'PROXY TCP6 ::ffff:10.0.0.1 2001:db8::2 5 6\r\n');
  const v2 = encodeV2({ command: 'PROXY', addresses: mixed });
  assert.equal(v2.toString('hex', 12, 16), '21210024');
  assert.equal(v2.toString('hex', 16, 32), '00000000000000000000ffff0a000001');
  assert.deepEqual(connectionAddresses(ep('', 0), ep('10.0.0.1', 1)), { family: 'UNSPEC' });
  assert.equal(
    encodeV1(connectionAddresses(ep('fe80::1%eth0', 1), ep('fe80::2', 2))).toString(),
    'PROXY TCP6 fe80::1 fe80::2 1 2\r\n',
  );
});

test('encodeV2: exact bytes of a TCP4 header with an AUTHORITY TLV', () => {
  const h = encodeV2({
    command: 'PROXY',
    addresses: connectionAddresses(ep('127.0.0.1', 1), ep('127.0.0.2', 2)),
    tlvs: [{ type: 0x02, value: Buffer.from('abc') }],
  });
  assert.equal(
    h.toString('hex'),
    '0d0a0d0a000d0a515549540a' + '21110012' + '7f0000017f00000200010002' + '020003616263',
  );
});

test('encodeV2: LOCAL and UNSPEC carry neither addresses nor TLVs', () => {
  const tlvs = [{ type: 0x05, value: Buffer.from('x') }];
  const addresses = connectionAddresses(ep('127.0.0.1', 1), ep('127.0.0.2', 2));
  assert.equal(encodeV2({ command: 'LOCAL', addresses, tlvs }, { crc32c: true }).toString('hex', 12), '20000000');
  assert.equal(encodeV2({ command: 'PROXY', addresses: { family: 'UNSPEC' }, tlvs }).toString('hex', 12), '21000000');
});

test('encoders refuse values the header cannot carry', () => {
  assert.throws(() => encodeV1({ family: 'INET', source: ep('::1', 1), destination: ep('1.2.3.4', 2) }), /IPv4/);
  assert.throws(
    () => encodeV1({ family: 'INET', source: ep('1.2.3.4', 70000), destination: ep('1.2.3.4', 2) }),
    /port/,
  );
  assert.throws(
    () => encodeV2({ command: 'PROXY', addresses: { family: 'UNIX', source: 'x'.repeat(108), destination: '/b' } }),
    /108-byte/,
  );
});
