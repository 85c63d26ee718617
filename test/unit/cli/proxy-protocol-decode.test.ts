import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeProxyHeader, parseHex } from '../../../src/cli/proxy-protocol-decode.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/proxy-protocol/${name}`, import.meta.url));

test('parseHex takes hex as tools print it; anything else is refused', () => {
  assert.deepEqual(parseHex('0x0d0A 0d:0a'), Buffer.from([0x0d, 0x0a, 0x0d, 0x0a]));
  assert.throws(() => parseHex('0d0'), /is not hex/);
  assert.throws(() => parseHex('zz'), /is not hex/);
});

test('describeProxyHeader prints every field of a v2 header with TLVs, and what follows it', () => {
  const text = describeProxyHeader(fixture('haproxy-v2-crc32c-unique-id.bin'));
  assert.equal(
    text,
    [
      'version      2',
      'command      PROXY',
      'family       INET (STREAM)',
      'source       127.0.0.1:49210',
      'destination  127.0.0.1:17003',
      'tlv          CRC32C (0x03) 0xc108ee0e (checksum verified)',
      'tlv          UNIQUE_ID (0x05) "7F000001:C03A_7F000001:426B_6B050729"',
      'consumed     74 bytes (6 more bytes follow the header)',
    ].join('\n'),
  );
});

test('describeProxyHeader: IPv6 in brackets, LOCAL without addresses', () => {
  assert.match(describeProxyHeader(fixture('haproxy-v1-tcp6.bin')), /source\s+\[::1\]:48430\n/);
  assert.match(
    describeProxyHeader(fixture('haproxy-v2-local-check.bin')),
    /command\s+LOCAL\n.*\naddresses\s+none \(LOCAL/,
  );
});

test('describeProxyHeader: incomplete and invalid input is one clear error', () => {
  assert.throws(() => describeProxyHeader(Buffer.from('PROXY TCP4')), /incomplete PROXY header: 10 bytes/);
  assert.throws(() => describeProxyHeader(Buffer.from('GET /')), /invalid PROXY header: not a PROXY/);
});
