import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnInfo } from '../../../src/listener/conn-info.js';
import { proxyProtocolAcceptance } from '../../../src/listener/proxy-protocol-inspector.js';
import { encodeV2, encodeV2Local } from '../../../src/protocol/proxy-protocol/encode.js';

const conn = (peer: string): ConnInfo => ({
  listener: 'l',
  clientIp: peer,
  clientPort: 40000,
  localIp: '10.9.9.9',
  localPort: 443,
  peerIp: peer,
});

const pp = (untrusted: 'reject' | 'serve') =>
  proxyProtocolAcceptance({ trusted: ['10.0.0.0/8', '2001:db8::/32'], untrusted, timeoutMs: 3000 });

test('only trusted sources are inspected; untrusted ones are refused (reject) or served as themselves (serve)', () => {
  const reject = pp('reject');
  const serve = pp('serve');
  for (const [peer, trusted] of [
    ['10.1.2.3', true],
    ['2001:db8::5', true],
    ['::ffff:10.1.2.3', true],
    ['192.168.1.1', false],
    ['::1', false],
  ] as const) {
    assert.equal(reject.inspector.applies?.(conn(peer)), trusted, peer);
    assert.equal(reject.admit?.(conn(peer), 'accept')?.reason, trusted ? undefined : 'proxy_protocol_untrusted', peer);
    assert.equal(reject.admit?.(conn(peer), 'inspected'), undefined, 'judged once, before any byte');
    assert.equal(reject.trustedPeer(peer), trusted);
    assert.equal(serve.inspector.applies?.(conn(peer)), trusted, peer);
  }
  assert.equal(serve.admit, undefined);
  assert.equal(reject.inspector.timeoutReason, 'proxy_protocol_timeout');
  assert.equal(reject.inspector.timeoutMs, 3000);
});

test('a v1 header replaces client and destination; peerIp stays the proxy; only the header is consumed', () => {
  const { inspector } = pp('reject');
  const line = 'PROXY TCP4 203.0.113.7 198.51.100.1 51000 8443\r\n';
  const r = inspector.inspect(Buffer.from(`${line}DATA`), conn('10.0.0.5'));
  assert.ok(typeof r === 'object' && 'consumed' in r);
  assert.equal(r.consumed, line.length);
  assert.deepEqual(
    { ...r.info, proxy: undefined },
    {
      listener: 'l',
      clientIp: '203.0.113.7',
      clientPort: 51000,
      localIp: '198.51.100.1',
      localPort: 8443,
      peerIp: '10.0.0.5',
      proxy: undefined,
    },
  );
  assert.equal(r.info.proxy?.version, 1);
  assert.equal(r.info.proxy?.local, false);
});

test('v2 with v4-mapped addresses gives plain IPv4; TLVs are kept; LOCAL keeps the real endpoints', () => {
  const { inspector } = pp('reject');
  const h = encodeV2({
    command: 'PROXY',
    addresses: {
      family: 'INET6',
      source: { address: '::ffff:203.0.113.7', port: 1 },
      destination: { address: '2001:db8::1', port: 2 },
    },
    tlvs: [{ type: 0x05, value: Buffer.from('abc') }],
  });
  const r = inspector.inspect(h, conn('10.0.0.5'));
  assert.ok(typeof r === 'object' && 'consumed' in r);
  assert.equal(r.info.clientIp, '203.0.113.7');
  assert.equal(r.info.localIp, '2001:db8::1');
  assert.equal(r.info.proxy?.tlvs?.get(0x05)?.toString(), 'abc');
  const local = inspector.inspect(encodeV2Local(), conn('10.0.0.5'));
  assert.ok(typeof local === 'object' && 'consumed' in local);
  assert.equal(local.info.clientIp, '10.0.0.5');
  assert.equal(local.info.clientPort, 40000);
  assert.equal(local.info.proxy?.local, true);
  const unknown = inspector.inspect(Buffer.from('PROXY UNKNOWN\r\n'), conn('10.0.0.5'));
  assert.ok(typeof unknown === 'object' && 'consumed' in unknown);
  assert.equal(unknown.info.clientIp, '10.0.0.5');
});

test('need-more until complete, then a decision; garbage is rejected as proxy_protocol_invalid', () => {
  const { inspector } = pp('reject');
  assert.equal(inspector.inspect(Buffer.from('PROXY TCP4 1.2'), conn('10.0.0.5')), 'need-more');
  const bad = inspector.inspect(Buffer.from('GET / HTTP/1.1\r\n'), conn('10.0.0.5'));
  assert.ok(typeof bad === 'object' && 'reject' in bad);
  assert.equal(bad.reject, 'proxy_protocol_invalid');
  assert.match(bad.detail, /not a PROXY protocol header/);
});
