import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseClientHello, type ClientHelloParse } from '../../../../src/protocol/tls/client-hello.js';
import { clientHelloMessage, inRecords } from '../../../helpers/client-hello.js';

// Properties over random, truncated and mutated input: the parser never throws, and it never
// asks for more bytes once the limit is reached (so an inspector can never wait forever).

const dir = new URL('../../../fixtures/client-hello/', import.meta.url);
const captured = (JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { file: string }[]).map((f) =>
  readFileSync(new URL(f.file, dir)),
);
const MAX = 2048; // a small limit keeps the runs fast; the logic does not depend on its value

const wellFormed = (r: ClientHelloParse, len: number): void => {
  if (r.kind === 'need-more') assert.ok(len < MAX, `need-more at ${len} bytes, limit ${MAX}`);
  if (r.kind === 'hello' && r.sni !== undefined) assert.match(r.sni, /^[a-z0-9_.-]+$/);
  if (r.kind === 'not-tls' || r.kind === 'invalid') assert.ok(r.detail.length > 0);
};

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const protocol = fc.stringMatching(/^[!-~]{1,12}$/);

test('random bytes: never throws, decides by the limit', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
      const buf = Buffer.from(bytes);
      wellFormed(parseClientHello(buf, MAX), buf.length);
    }),
    { numRuns: 2000 },
  );
});

test('random bytes behind a valid record header: never throws, decides once padded to the limit', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 0xffff }), (body, len) => {
      const buf = Buffer.concat([Buffer.from([0x16, 3, 1, len >> 8, len & 0xff, 1]), body]);
      wellFormed(parseClientHello(buf, MAX), buf.length);
      const padded = Buffer.concat([buf, Buffer.alloc(Math.max(0, MAX - buf.length), 0x16)]);
      assert.notEqual(parseClientHello(padded, MAX).kind, 'need-more');
    }),
    { numRuns: 2000 },
  );
});

test('truncated captures: always need-more, never a wrong answer', () => {
  fc.assert(
    fc.property(fc.constantFrom(...captured), fc.nat(), (bytes, cut) => {
      const n = cut % bytes.length;
      assert.deepEqual(parseClientHello(bytes.subarray(0, n), MAX), { kind: 'need-more' });
    }),
  );
});

test('mutated captures: never throws, any server name found is a host name', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...captured),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (bytes, edits, cut) => {
        const buf = Buffer.from(bytes);
        for (const [at, value] of edits) buf[at % buf.length] = value;
        const sub = buf.subarray(0, cut % (buf.length + 1));
        wellFormed(parseClientHello(sub, MAX), sub.length);
      },
    ),
    { numRuns: 3000 },
  );
});

test('generated ClientHellos in any record split give back their server name and ALPN list', () => {
  fc.assert(
    fc.property(
      fc.option(hostName, { nil: undefined }),
      fc.option(fc.array(protocol, { minLength: 1, maxLength: 4 }), { nil: undefined }),
      fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 6 }),
      (sni, alpn, sizes) => {
        const bytes = inRecords(clientHelloMessage({ sni, alpn }), sizes);
        assert.deepEqual(parseClientHello(bytes, MAX), { kind: 'hello', sni, alpn });
        assert.equal(parseClientHello(bytes.subarray(0, bytes.length - 1), MAX).kind, 'need-more');
      },
    ),
  );
});
