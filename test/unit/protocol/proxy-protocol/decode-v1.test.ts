import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProxyHeader } from '../../../../src/protocol/proxy-protocol/decode.js';

const decode = (s: string) => decodeProxyHeader(Buffer.from(s, 'latin1'));

test('v1: valid lines decode to their addresses; the CRLF ends the header', () => {
  const VALID: [string, string, number, string, number][] = [
    ['PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n', '192.168.0.1', 56324, '192.168.0.11', 443],
    ['PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n', '255.255.255.255', 65535, '255.255.255.255', 65535],
    ['PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n', '0.0.0.0', 0, '0.0.0.0', 0],
    ['PROXY TCP6 2001:db8::1 ::1 1 2\r\n', '2001:db8::1', 1, '::1', 2],
    ['PROXY TCP6 ::ffff:10.0.0.1 FE80::A 7 8\r\n', '::ffff:10.0.0.1', 7, 'FE80::A', 8],
  ];
  for (const [line, src, sport, dst, dport] of VALID) {
    const r = decode(`${line}GET / HTTP/1.0\r\n`);
    assert.equal(r.status, 'ok', `${JSON.stringify(line)}: ${JSON.stringify(r)}`);
    if (r.status !== 'ok') continue;
    assert.equal(r.consumed, line.length);
    assert.equal(r.header.version, 1);
    assert.equal(r.header.command, 'PROXY');
    const a = r.header.addresses;
    assert.ok(a.family === 'INET' || a.family === 'INET6');
    assert.deepEqual(
      [a.source, a.destination],
      [
        { address: src, port: sport },
        { address: dst, port: dport },
      ],
    );
  }
});

test('v1: UNKNOWN (short and long forms) means "use the real endpoints"', () => {
  const worst = `PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`;
  assert.equal(worst.length, 107);
  for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN anything at all\r\n', worst]) {
    const r = decode(line);
    assert.equal(r.status, 'ok', line);
    if (r.status === 'ok') {
      assert.deepEqual(r.header.addresses, { family: 'UNSPEC' });
      assert.equal(r.consumed, line.length);
    }
  }
});

test('v1: anything that does not match the grammar exactly is invalid', () => {
  const INVALID: [string, RegExp][] = [
    ['PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n', /LF without CR/],
    ['PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX', /CR not followed by LF/],
    ['PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n', /malformed|fields/],
    ['PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n', /fields/],
    ['PROXY TCP4 192.168.0.01 192.168.0.11 56324 443\r\n', /not an IPv4/],
    ['PROXY TCP4 192.168.0.256 192.168.0.11 56324 443\r\n', /not an IPv4/],
    ['PROXY TCP4 ::1 192.168.0.11 56324 443\r\n', /malformed|not an IPv4/],
    ['PROXY TCP6 192.168.0.1 ::1 56324 443\r\n', /not an IPv6/],
    ['PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n', /malformed|not an IPv6/],
    ['PROXY TCP6 1::2::3 ::1 1 2\r\n', /not an IPv6/],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 056324 443\r\n', /not a port/],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 65536 443\r\n', /not a port/],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 -1 443\r\n', /malformed|not a port/],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n', /fields/],
    ['PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n', /unknown protocol/],
    ['PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n', /unknown protocol/],
    ['PROXY UNKNOWNX\r\n', /unknown protocol/],
    ['PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n', /unknown protocol/],
    ['PROXY\r\n', /not a PROXY protocol header/],
    ['PROXY TCP4 1.2.3.4 1.2.3.4 1 2\t\r\n', /unexpected byte 0x09/],
    ['PROXY UNKNOWN \x00\r\n', /unexpected byte 0x00/],
    [`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`, /no CRLF within 107 bytes/],
    [`PROXY TCP4 ${'1'.repeat(60)}`, /longer than 56/],
    ['GET / HTTP/1.1\r\n', /not a PROXY protocol header/],
    ['proxy TCP4', /not a PROXY protocol header/],
  ];
  for (const [line, why] of INVALID) {
    const r = decode(line);
    assert.equal(r.status, 'invalid', `${JSON.stringify(line)} → ${JSON.stringify(r)}`);
    if (r.status === 'invalid') assert.match(r.reason, why, JSON.stringify(line));
  }
});

test('v1: garbage is refused at its first wrong byte, without waiting for a CRLF', () => {
  for (const partial of ['X', 'PROXX', 'PROXY X', 'PROXY TCP4 1.2.3.4  ', 'PROXY TCP4 1.2.3.4 a', 'PROXY TCP6 1::g'])
    assert.equal(decode(partial).status, 'invalid', partial);
  for (const partial of [
    '',
    'P',
    'PROXY',
    'PROXY TCP',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 2',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r',
  ])
    assert.equal(decode(partial).status, 'need-more', partial);
});
