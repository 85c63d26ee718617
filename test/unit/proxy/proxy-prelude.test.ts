import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromCli, type CliOptions } from '../../../src/cli/options.js';
import { validateConfig } from '../../../src/config/validate.js';
import type { ConnInfo } from '../../../src/listener/conn-info.js';
import { decodeProxyHeader } from '../../../src/protocol/proxy-protocol/decode.js';
import { checkPrelude, poolCheckPrelude, proxyPrelude } from '../../../src/proxy/proxy-prelude.js';

const info: ConnInfo = {
  listener: 'l',
  clientIp: '203.0.113.7',
  clientPort: 51000,
  localIp: '198.51.100.1',
  localPort: 443,
  peerIp: '10.0.0.5',
};

const decoded = (b: Buffer | undefined) => {
  assert.ok(b);
  const r = decodeProxyHeader(b);
  assert.equal(r.status, 'ok');
  assert.equal(r.status === 'ok' && r.consumed, b.length);
  return r.status === 'ok' ? r.header : undefined;
};

test('no proxyProtocol, no prelude', () => {
  assert.equal(proxyPrelude(undefined), undefined);
});

test('v1 and v2 describe the client as ConnInfo has it (the advertised one, not the TCP peer)', () => {
  assert.equal(
    proxyPrelude({ version: 'v1', uniqueId: false, crc32c: false })?.(info).toString(),
    'PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\n',
  );
  const h = decoded(proxyPrelude({ version: 'v2', uniqueId: false, crc32c: true })?.(info));
  assert.deepEqual(h?.addresses, {
    family: 'INET',
    source: { address: '203.0.113.7', port: 51000 },
    destination: { address: '198.51.100.1', port: 443 },
  });
  assert.deepEqual(
    h?.tlvs.map((t) => t.type),
    [0x03],
  );
});

test('v2 TLVs: AUTHORITY from the SNI, else relayed; UNIQUE_ID relayed when received, else new', () => {
  const send = proxyPrelude({ version: 'v2', uniqueId: true, crc32c: false }, () => 'fresh-id')!;
  const fresh = decoded(send({ ...info, sni: 'api.example.com' }));
  assert.deepEqual(
    fresh?.tlvs.map((t) => [t.type, t.value.toString()]),
    [
      [0x02, 'api.example.com'],
      [0x05, 'fresh-id'],
    ],
  );
  const tlvs = new Map([
    [0x02, Buffer.from('upstream.example')],
    [0x05, Buffer.from('upstream-id')],
  ]);
  const relayed = decoded(send({ ...info, proxy: { version: 2, local: false, tlvs } }));
  assert.deepEqual(
    relayed?.tlvs.map((t) => [t.type, t.value.toString()]),
    [
      [0x02, 'upstream.example'],
      [0x05, 'upstream-id'],
    ],
  );
});

test('health-check preludes: v2 LOCAL, v1 a real line from the check socket', () => {
  const local = { address: '127.0.0.1', port: 40001 };
  const remote = { address: '127.0.0.2', port: 8080 };
  assert.equal(decoded(checkPrelude('v2')(local, remote))?.command, 'LOCAL');
  assert.equal(checkPrelude('v1')(local, remote).toString(), 'PROXY TCP4 127.0.0.1 127.0.0.2 40001 8080\r\n');
});

test('checks send a header by default when the pool does and checks go to the traffic port', () => {
  const pool = (extra: Record<string, unknown>) => {
    const v = validateConfig({ listeners: {}, pools: { p: { targets: ['127.0.0.1:1'], ...extra } } });
    assert.ok(v.ok, JSON.stringify(v));
    return v.config.pools.p!;
  };
  const l = { address: '127.0.0.1', port: 1 };
  assert.equal(poolCheckPrelude(pool({})), undefined);
  assert.equal(
    poolCheckPrelude(pool({ proxyProtocol: 'v1' }))?.(l, l)
      .toString()
      .slice(0, 10),
    'PROXY TCP4',
  );
  assert.equal(poolCheckPrelude(pool({ proxyProtocol: 'v2', healthCheck: { port: 9 } })), undefined);
  assert.equal(
    poolCheckPrelude(pool({ proxyProtocol: 'v1', healthCheck: { port: 9, sendProxy: true } }))?.(l, l).length,
    36, // "PROXY TCP4 127.0.0.1 127.0.0.1 1 1\r\n"
  );
  assert.equal(poolCheckPrelude(pool({ healthCheck: { sendProxy: true } }))?.(l, l).length, 16);
  assert.equal(poolCheckPrelude(pool({ proxyProtocol: 'v2', healthCheck: { sendProxy: false } })), undefined);
});

test('config: accept needs trusted sources; CIDRs and send forms are validated', () => {
  const listener = (proxyProtocol: unknown) =>
    validateConfig({
      listeners: { l: { bind: '127.0.0.1:0', pool: 'p', proxyProtocol } },
      pools: { p: { targets: ['127.0.0.1:1'], proxyProtocol: { version: 'v2', crc32c: true } } },
    });
  const ok = listener({ accept: true, trusted: ['10.0.0.0/8', '::1'] });
  assert.ok(ok.ok);
  assert.deepEqual(ok.config.listeners.l!.proxyProtocol, {
    accept: true,
    trusted: ['10.0.0.0/8', '::1'],
    untrusted: 'reject',
    timeout: 3000,
  });
  assert.deepEqual(ok.config.pools.p!.proxyProtocol, { version: 'v2', uniqueId: false, crc32c: true });
  assert.match(JSON.stringify(listener({ accept: true })), /list the proxies allowed/);
  assert.match(JSON.stringify(listener({ trusted: ['10.0.0.0/33'] })), /not a CIDR/);
  assert.match(JSON.stringify(listener({ trusted: ['::/0'], untrusted: 'allow' })), /untrusted/);
  assert.ok(listener({ accept: false }).ok);
});

test("CLI: --send-proxy v1|v2 sets the pool's proxyProtocol; anything else is one clear error", () => {
  const opts: CliOptions = {
    host: '127.0.0.1',
    backend: ['127.0.0.1:9000'],
    algorithm: 'round-robin',
    connectTimeout: '3s',
    idleTimeout: '1h',
    retries: '2',
    healthInterval: '2s',
    healthTimeout: '1s',
    rise: '2',
    fall: '3',
    drainTimeout: '30s',
    logLevel: 'info',
    accessLog: true,
  };
  assert.equal(configFromCli('0', opts).config.pools.default?.proxyProtocol, undefined);
  assert.equal(configFromCli('0', { ...opts, sendProxy: 'v2' }).config.pools.default?.proxyProtocol, 'v2');
  assert.throws(() => configFromCli('0', { ...opts, sendProxy: 'v3' }), /--send-proxy: "v3" must be v1 or v2/);
});
