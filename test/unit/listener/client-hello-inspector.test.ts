import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientHelloInspector } from '../../../src/listener/client-hello-inspector.js';
import type { ConnInfo } from '../../../src/listener/conn-info.js';
import { clientHelloMessage, inRecords } from '../../helpers/client-hello.js';

const info: ConnInfo = {
  listener: 'l',
  clientIp: '10.0.0.1',
  clientPort: 5000,
  localIp: '10.0.0.2',
  localPort: 443,
  peerIp: '10.0.0.1',
};
const hello = inRecords(clientHelloMessage({ sni: 'api.example.com', alpn: ['h2'] }));
const noName = inRecords(clientHelloMessage({ alpn: ['h2'] }));

test('a ClientHello sets sni and alpn and consumes nothing', () => {
  for (const closeWithoutSni of [false, true]) {
    const i = clientHelloInspector({ timeoutMs: 1000, closeWithoutSni });
    assert.equal(i.inspect(hello.subarray(0, 20), info), 'need-more');
    assert.deepEqual(i.inspect(hello, info), { consumed: 0, info: { ...info, sni: 'api.example.com', alpn: ['h2'] } });
  }
});

test('without a server name: passed on (noSni: pool) or rejected with sni_unmatched (noSni: close)', () => {
  const pass = clientHelloInspector({ timeoutMs: 1000, closeWithoutSni: false });
  const close = clientHelloInspector({ timeoutMs: 1000, closeWithoutSni: true });
  const cases: [string, Buffer, RegExp][] = [
    ['no server name', noName, /without server name/],
    ['not TLS', Buffer.from('EHLO x\r\n'), /not a TLS handshake/],
    ['malformed TLS', Buffer.from([0x16, 3, 1, 0, 0]), /record length 0/],
  ];
  for (const [what, bytes, detail] of cases) {
    const passed = pass.inspect(bytes, info);
    assert.ok(passed !== 'need-more' && 'consumed' in passed && passed.consumed === 0, what);
    assert.equal(passed.info.sni, undefined, what);
    const closed = close.inspect(bytes, info);
    assert.ok(closed !== 'need-more' && 'reject' in closed, what);
    assert.equal(closed.reject, 'sni_unmatched', what);
    assert.match(closed.detail, detail, what);
  }
  assert.deepEqual(pass.onTimeout?.(Buffer.alloc(0), info), { consumed: 0, info });
  assert.deepEqual(close.onTimeout?.(Buffer.alloc(0), info), {
    reject: 'sni_unmatched',
    detail: 'no ClientHello within 1000ms',
  });
});
