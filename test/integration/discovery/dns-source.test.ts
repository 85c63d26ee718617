import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../src/core/clock.js';
import { DnsSource } from '../../../src/discovery/dns-source.js';
import { collector, untilTargets } from '../../helpers/discovery-updates.js';
import { startDnsmasq } from '../../helpers/dnsmasq.js';
import { eventually } from '../../helpers/net.js';
import { requireProgram } from '../../helpers/programs.js';

const SRV = '_lb._tcp.web.test';

test('dns source: SRV records become primaries and backups by priority, weights kept; records added and removed; the server gone and back', async (t) => {
  if (!requireProgram(t, 'dnsmasq', 'dnsmasq-base')) return;
  const dns = await startDnsmasq('web.test', {
    srv: [
      [SRV, 'b1.web.test', 9001, 10, 60],
      [SRV, 'b2.web.test', 9002, 10, 40],
      [SRV, 'b3.web.test', 9003, 20, 100],
    ],
    hosts: { 'b1.web.test': ['127.0.0.1'], 'b2.web.test': ['127.0.0.2', '::2'], 'b3.web.test': ['127.0.0.3'] },
    ttl: 1,
  });
  // interval 30 s: only the 1 s TTL of the answers makes it resolve again this soon
  const src = new DnsSource(
    'web',
    { name: SRV, type: 'SRV', resolvers: [dns.server], intervalMs: 30_000, timeoutMs: 300 },
    systemClock(),
  );
  const c = collector();
  try {
    src.start(c.listener);
    await untilTargets(
      c,
      ['127.0.0.1:9001@60', '127.0.0.2:9002@40', '127.0.0.3:9003@100+backup', '[::2]:9002@40'],
      'SRV',
    );
    await dns.set({
      srv: [
        [SRV, 'b1.web.test', 9001, 10, 60],
        [SRV, 'b4.web.test', 9004, 5, 0],
      ],
      hosts: { 'b1.web.test': ['127.0.0.1'], 'b4.web.test': ['127.0.0.4'] },
      ttl: 1,
    });
    await untilTargets(
      c,
      ['127.0.0.1:9001@60+backup', '127.0.0.4:9004'],
      'a record added, two removed, priorities moved',
    );

    await dns.stop();
    await eventually(() => c.last()?.type === 'error', 8000, 'an error once the server is gone');
    const err = c.last();
    assert.ok(err?.type === 'error');
    assert.equal((err.error as { code?: string }).code, 'LB_ERR_DISCOVERY');
    assert.match(err.error.message, /dns SRV _lb\._tcp\.web\.test: .*(ECONNREFUSED|ETIMEOUT)/);
    assert.deepEqual(c.ids(), ['127.0.0.1:9001@60+backup', '127.0.0.4:9004'], 'the last answer stays');

    // NXDOMAIN is a failure too, not "no targets"
    await dns.set({ hosts: { 'b1.web.test': ['127.0.0.1'] } });
    await eventually(
      () => c.last()?.type === 'error' && /ENOTFOUND|ENODATA/.test((c.last() as { error: Error }).error.message),
      8000,
      'NXDOMAIN',
    );
    assert.deepEqual(c.ids(), ['127.0.0.1:9001@60+backup', '127.0.0.4:9004']);
    await dns.set({ srv: [[SRV, 'b1.web.test', 9001, 1, 1]], hosts: { 'b1.web.test': ['127.0.0.1'] } });
    await untilTargets(c, ['127.0.0.1:9001'], 'back after the outage', 15_000);
  } finally {
    await src.stop();
    await dns.close();
  }
});

test('dns source: A and AAAA records with the configured port, re-resolved every interval', async (t) => {
  if (!requireProgram(t, 'dnsmasq', 'dnsmasq-base')) return;
  const dns = await startDnsmasq('web.test', {
    hosts: { 'web.web.test': ['127.0.0.1', '127.0.0.2', '::1'] },
    ttl: 600,
  });
  const a = new DnsSource(
    'web',
    { name: 'web.web.test', type: 'A', resolvers: [dns.server], intervalMs: 1000, port: 8080 },
    systemClock(),
  );
  const aaaa = new DnsSource(
    'web',
    { name: 'web.web.test', type: 'AAAA', resolvers: [dns.server], intervalMs: 1000, port: 8443 },
    systemClock(),
  );
  const ca = collector();
  const c6 = collector();
  try {
    a.start(ca.listener);
    aaaa.start(c6.listener);
    await untilTargets(ca, ['127.0.0.1:8080', '127.0.0.2:8080'], 'A');
    await untilTargets(c6, ['[::1]:8443'], 'AAAA');
    await dns.set({ hosts: { 'web.web.test': ['127.0.0.3', '::1'] }, ttl: 600 });
    await untilTargets(ca, ['127.0.0.3:8080'], 'A after the change (interval 1 s, TTL 600 s)');
  } finally {
    await a.stop();
    await aaaa.stop();
    await dns.close();
  }
});
