import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../../src/protocol/proxy-protocol/crc32c.js';

// RFC 3720 appendix B.4 test vectors, plus the classic "123456789" check value.
const VECTORS: [string, Buffer, number][] = [
  ['32 zero bytes', Buffer.alloc(32), 0x8a9136aa],
  ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['31..0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['empty', Buffer.alloc(0), 0],
];

for (const [name, data, want] of VECTORS)
  test(`crc32c: ${name}`, () => {
    assert.equal(crc32c(data), want);
  });
