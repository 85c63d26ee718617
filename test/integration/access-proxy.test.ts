import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, startApp } from '../helpers/app-harness.js';
import { eventually, nameServer } from '../helpers/net.js';

const header = (client: string): string => `PROXY TCP4 ${client} 127.0.0.1 40000 80\r\n`;

test('behind a trusted PROXY peer, allow/deny and rate limits judge the advertised client', async () => {
  const backend = await nameServer('served');
  const lb = await startApp({
    listeners: {
      web: {
        bind: '127.0.0.1:0',
        pool: 'p',
        proxyProtocol: { accept: true, trusted: ['127.0.0.1'], untrusted: 'serve' },
        allow: ['10.0.0.0/8', '127.0.0.5'],
        deny: ['10.6.6.6'],
        rateLimit: { perClient: 0.5, burst: 2 },
      },
    },
    pools: { p: { targets: [`127.0.0.1:${backend.port}`], healthCheck: { type: 'none' } } },
  });
  const via = (advertised: string) => client(lb.port(), '127.0.0.1', header(advertised)).closed;
  try {
    // The trusted proxy (127.0.0.1, not in `allow`: it lists clients) passes on allowed clients.
    assert.equal(await via('10.1.1.1'), 'served');
    assert.equal(await via('10.6.6.6'), '', 'a denied client behind the proxy');
    assert.equal(await via('11.1.1.1'), '', 'a client outside allow behind the proxy');
    // Limits count each advertised client, not the proxy that carries them all.
    const burst = [await via('10.2.2.2'), await via('10.2.2.2'), await via('10.2.2.2')];
    assert.deepEqual(burst, ['served', 'served', '']);
    assert.equal(await via('10.3.3.3'), 'served');
    // Untrusted peers are served as themselves and judged at accept.
    assert.equal(await client(lb.port(), '127.0.0.5').closed, 'served');
    assert.equal(await client(lb.port(), '127.0.0.6').closed, '');
    const refusals = () => lb.access().filter((a) => a.reason === 'denied' || a.reason === 'rate_limited');
    await eventually(() => refusals().length === 4, 5000, 'four refusals logged');
    assert.deepEqual(
      refusals()
        .map((a) => `${String(a.reason)} ${String(a.client)}`)
        .sort(),
      ['denied 10.6.6.6', 'denied 11.1.1.1', 'denied 127.0.0.6', 'rate_limited 10.2.2.2'],
    );
  } finally {
    await lb.stop();
    await backend.close();
  }
});
