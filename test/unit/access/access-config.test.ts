import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientLimitsOf } from '../../../src/access/access-pipeline.js';
import { validateConfig } from '../../../src/config/validate.js';

const withListener = (extra: Record<string, unknown>) =>
  validateConfig({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p', ...extra } },
    pools: { p: { targets: ['127.0.0.1:1'] } },
  });

test('config: allow/deny take IPv4/IPv6 CIDRs and addresses; bad ones are named', () => {
  const ok = withListener({ allow: ['10.0.0.0/8', '2001:db8::/32', '::ffff:192.168.0.0/112'], deny: ['10.6.6.6'] });
  assert.ok(ok.ok);
  const bad = withListener({ allow: ['10.0.0.0/8', '10.0.0.0/40'], deny: ['nope'] });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.deepEqual(
    bad.issues.map((i) => i.path.join('.')),
    ['listeners.web.allow.1', 'listeners.web.deny.0'],
  );
  assert.match(bad.issues[0]!.message, /not a CIDR/);
});

test('config: per-client limits, burst defaulting to the rate', () => {
  const table: [Record<string, unknown>, unknown][] = [
    [{}, { maxConcurrent: undefined, rate: undefined }],
    [{ maxConnectionsPerClient: 5 }, { maxConcurrent: 5, rate: undefined }],
    [{ rateLimit: { perClient: 20, burst: 40 } }, { maxConcurrent: undefined, rate: { perSecond: 20, burst: 40 } }],
    [{ rateLimit: { perClient: 2.5 } }, { maxConcurrent: undefined, rate: { perSecond: 2.5, burst: 3 } }],
    [{ rateLimit: { perClient: 0.1 } }, { maxConcurrent: undefined, rate: { perSecond: 0.1, burst: 1 } }],
  ];
  for (const [extra, want] of table) {
    const v = withListener(extra);
    assert.ok(v.ok, JSON.stringify(extra));
    assert.deepEqual(clientLimitsOf(v.config.listeners.web!), want);
  }
  for (const bad of [
    { maxConnectionsPerClient: 0 },
    { rateLimit: { perClient: 0 } },
    { rateLimit: { perClient: 1, burst: 0 } },
    { rateLimit: { perClient: 1, brust: 2 } },
  ])
    assert.equal(withListener(bad).ok, false, JSON.stringify(bad));
});
