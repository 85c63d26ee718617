import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../helpers/app.js';
import { startHaproxy } from '../helpers/haproxy.js';
import { echoServer, eventually, freePort } from '../helpers/net.js';
import { requireProgram } from '../helpers/programs.js';
import { proxyBackend, sendFrom } from '../helpers/proxy-backend.js';

// HAProxy (Debian's haproxy package) on both sides of the load balancer. Clients connect from
// 127.0.0.2 so that the real client differs from every proxy in the chain (all on 127.0.0.1).

/** HAProxy's log line for a connection whose PROXY header it refused. */
const PROXY_ERRORS = /back\/\d+: [^\n]*PROXY protocol[^\n]*/;

interface Reply {
  result: { status: string; header?: { version: number; addresses: unknown; tlvs: { type: number }[] } };
  payload: string;
}

test('HAProxy send-proxy / send-proxy-v2 → our listener: the backend and the access log see the real client', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const backend = await proxyBackend();
  const lb = await startApp({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p', proxyProtocol: { accept: true, trusted: ['127.0.0.1'] } } },
    pools: {
      p: {
        targets: [`127.0.0.1:${backend.port}`],
        healthCheck: { type: 'none' },
        proxyProtocol: { version: 'v2', uniqueId: true },
      },
    },
  });
  const [v1, v2] = [await freePort(), await freePort()];
  const haproxy = await startHaproxy(`
listen v1
  bind 127.0.0.1:${v1}
  server lb 127.0.0.1:${lb.port('l')} send-proxy
listen v2
  bind 127.0.0.1:${v2}
  unique-id-format %{+X}o%ci:%cp_%Ts
  server lb 127.0.0.1:${lb.port('l')} send-proxy-v2 proxy-v2-options crc32c,unique-id
`);
  try {
    for (const [port, version] of [
      [v1, 1],
      [v2, 2],
    ] as const) {
      const { reply, localPort } = await sendFrom('127.0.0.2', port, `via v${version}`);
      const r = JSON.parse(reply) as Reply;
      assert.equal(r.payload, `via v${version}`);
      // relayed: the header our pool sent carries the client HAProxy advertised, not HAProxy
      assert.deepEqual(r.result.header?.addresses, {
        family: 'INET',
        source: { address: '127.0.0.2', port: localPort },
        destination: { address: '127.0.0.1', port },
      });
      await eventually(() => lb.rec.ends.length === version, 5000, 'the access log line');
      const end = lb.rec.ends[version - 1]!;
      assert.deepEqual([end.client, end.clientPort], ['127.0.0.2', localPort]);
    }
    // HAProxy's UNIQUE_ID (v2 only, CRC32C-checked on the way in) is passed on as it came
    const ids = backend.received.map((x) =>
      x.result.status === 'ok' ? x.result.header.tlvs.find((tl) => tl.type === 0x05)?.value.toString() : undefined,
    );
    assert.match(ids[0] ?? '', /^[0-9a-f-]{36}$/, 'v1 brings no id: a new UUID');
    assert.match(ids[1] ?? '', /^7F000002:[0-9A-F]+_/, 'the id HAProxy made for 127.0.0.2');
    assert.deepEqual(lb.rec.rejections, []);
  } finally {
    await haproxy.stop();
    await lb.stop();
    await backend.close();
  }
});

test('our pool → HAProxy accept-proxy: HAProxy sees the real client (v1 and v2 with CRC32C), checks send LOCAL', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const echo = await echoServer();
  const back = await freePort();
  const haproxy = await startHaproxy(`
listen back
  bind 127.0.0.1:${back} accept-proxy
  log-format "client=%ci:%cp uid=%[fc_pp_unique_id]"
  server echo 127.0.0.1:${echo.port}
`);
  const pool = (proxyProtocol: unknown) => ({
    targets: [`127.0.0.1:${back}`],
    proxyProtocol,
    healthCheck: { interval: '200ms', timeout: '200ms' }, // sendProxy by default: the pool sends PROXY
  });
  const lb = await startApp({
    listeners: {
      a: { bind: '127.0.0.1:0', pool: 'pv1' },
      b: { bind: '127.0.0.1:0', pool: 'pv2' },
    },
    pools: { pv1: pool('v1'), pv2: pool({ version: 'v2', crc32c: true, uniqueId: true }) },
  });
  try {
    // a connection without a header: HAProxy logs an error (so that the check below can fail)
    await sendFrom('127.0.0.1', back, 'GET / HTTP/1.0\r\n\r\n');
    await eventually(() => PROXY_ERRORS.test(haproxy.output()), 5000, 'HAProxy to log a bad header');
    const one = await sendFrom('127.0.0.2', lb.port('a'), 'ping v1');
    const two = await sendFrom('127.0.0.2', lb.port('b'), 'ping v2');
    assert.deepEqual([one.reply, two.reply], ['ping v1', 'ping v2']);
    await eventually(() => haproxy.output().includes(`client=127.0.0.2:${two.localPort}`), 5000, 'the v2 log line');
    const out = haproxy.output();
    assert.match(out, new RegExp(`client=127\\.0\\.0\\.2:${one.localPort} uid=-\\n`));
    assert.match(out, new RegExp(`client=127\\.0\\.0\\.2:${two.localPort} uid=[0-9a-f-]{36}\\n`));
    // several rounds of health checks (v1 lines and v2 LOCAL headers), all accepted: the only
    // PROXY error HAProxy logged is the one provoked above
    const checks = (): number => (haproxy.output().match(/client=127\.0\.0\.1:\d+ uid=-/g) ?? []).length;
    await eventually(() => checks() >= 5, 5000, 'health checks in the HAProxy log');
    assert.equal(haproxy.output().match(new RegExp(PROXY_ERRORS, 'g'))?.length, 1, haproxy.output());
  } finally {
    await lb.stop();
    await haproxy.stop();
    await echo.close();
  }
});
