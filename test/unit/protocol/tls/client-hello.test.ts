import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CLIENT_HELLO_MAX_BYTES, parseClientHello } from '../../../../src/protocol/tls/client-hello.js';
import { clientHelloMessage, inRecords, messageOf, sniExtension } from '../../../helpers/client-hello.js';

const dir = new URL('../../../fixtures/client-hello/', import.meta.url);
const fixtures = (JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Fixture[]).map((f) => ({
  ...f,
  bytes: readFileSync(new URL(f.file, dir)),
}));
interface Fixture {
  file: string;
  sni: string | null;
  alpn: string[] | null;
}

test('captured ClientHellos (openssl, curl, node) give the server name and ALPN their client was asked to send', () => {
  assert.ok(fixtures.length >= 6);
  for (const f of fixtures) {
    assert.deepEqual(
      parseClientHello(f.bytes),
      { kind: 'hello', sni: f.sni ?? undefined, alpn: f.alpn ?? undefined },
      f.file,
    );
  }
});

test('every proper prefix of a captured ClientHello asks for more bytes', () => {
  for (const f of fixtures)
    for (let n = 0; n < f.bytes.length; n++)
      assert.deepEqual(parseClientHello(f.bytes.subarray(0, n)), { kind: 'need-more' }, `${f.file} at ${n}`);
});

test('a ClientHello split over several records reads the same as in one record', () => {
  for (const f of fixtures) {
    const msg = messageOf(f.bytes);
    for (const sizes of [[1], [4], [5, 1, 60], Array<number>(msg.length).fill(1)]) {
      const split = inRecords(msg, sizes);
      assert.deepEqual(parseClientHello(split), parseClientHello(f.bytes), `${f.file} split ${sizes.length}`);
      assert.equal(parseClientHello(split.subarray(0, split.length - 1)).kind, 'need-more');
    }
  }
});

test('bytes after the ClientHello (the next record, early data) do not change the result', () => {
  const f = fixtures[0]!;
  const more = Buffer.concat([f.bytes, Buffer.from([0x17, 3, 3, 0, 2, 9, 9])]);
  assert.deepEqual(parseClientHello(more), parseClientHello(f.bytes));
});

test('server names are lower-cased and lose a trailing dot', () => {
  const r = parseClientHello(inRecords(clientHelloMessage({ sni: 'API.Example.COM.' })));
  assert.deepEqual(r, { kind: 'hello', sni: 'api.example.com', alpn: undefined });
});

const decided: [string, Buffer, 'not-tls' | 'invalid', RegExp][] = [
  ['plain HTTP, on its first byte', Buffer.from('G'), 'not-tls', /0x47/],
  ['SSH banner', Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), 'not-tls', /not a TLS handshake/],
  ['SSLv2-style hello', Buffer.from([0x80, 0x2e, 0x01]), 'not-tls', /0x80/],
  ['record version major 2', Buffer.from([0x16, 2]), 'not-tls', /major 2/],
  ['record version minor 9', Buffer.from([0x16, 3, 9]), 'not-tls', /minor 9/],
  ['empty record', Buffer.from([0x16, 3, 1, 0, 0]), 'invalid', /record length 0/],
  ['oversized record', Buffer.from([0x16, 3, 1, 0x40, 0x01]), 'invalid', /record length 16385/],
  ['ServerHello instead', Buffer.from([0x16, 3, 3, 0, 4, 2]), 'invalid', /type 2 is not ClientHello/],
  ['declared hello longer than the limit', Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0x40, 0]), 'invalid', /exceeds/],
  [
    'alert record after a first fragment',
    Buffer.concat([inRecords(clientHelloMessage({ sni: 'a.test' }).subarray(0, 10)), Buffer.from([0x15, 3, 3])]),
    'invalid',
    /interrupted/,
  ],
  [
    'repeated extension',
    inRecords(clientHelloMessage({ extra: [sniExtension('a'), sniExtension('b')] })),
    'invalid',
    /repeated/,
  ],
  ['server name with a space', inRecords(clientHelloMessage({ sni: 'a b.test' })), 'invalid', /not a host name/],
  ['empty ALPN protocol', inRecords(clientHelloMessage({ alpn: ['h2', ''] })), 'invalid', /ALPN protocol length 0/],
];

test('not-TLS and malformed input is decided as early as possible, with a reason', () => {
  for (const [what, bytes, kind, detail] of decided) {
    const r = parseClientHello(bytes);
    assert.equal(r.kind, kind, what);
    assert.match('detail' in r ? r.detail : '', detail, what);
  }
});

test('a length that overruns its container is invalid, not need-more', () => {
  const msg = clientHelloMessage({ sni: 'a.test' });
  const cut = Buffer.from(msg);
  cut.writeUInt16BE(0xffff, 4 + 2 + 32); // session id length byte + start of cipher suites
  assert.equal(parseClientHello(inRecords(cut)).kind, 'invalid');
});

test('the byte limit is a parameter: a hello needing more than maxBytes is refused at once', () => {
  const bytes = inRecords(clientHelloMessage({ sni: 'a.test' }));
  assert.equal(parseClientHello(bytes, bytes.length).kind, 'hello');
  assert.equal(parseClientHello(bytes.subarray(0, 9), 50).kind, 'invalid');
  assert.ok(CLIENT_HELLO_MAX_BYTES >= 16 * 1024);
});
