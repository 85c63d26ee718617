import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAcl, compileAcl } from '../../../src/access/acl.js';
import { createAdmission } from '../../../src/access/admission.js';
import { ClientTable } from '../../../src/access/client-table.js';
import type { ConnInfo } from '../../../src/listener/conn-info.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const conn = (peerIp: string, clientIp = peerIp): ConnInfo => ({
  listener: 'l',
  clientIp,
  clientPort: 40000,
  localIp: '127.0.0.1',
  localPort: 8000,
  peerIp,
});

test('checkAcl: deny wins, an empty allow list allows all, IPv4-mapped clients match IPv4 rules', () => {
  const table: [string[], string[], string, 'denied' | undefined][] = [
    [[], [], '1.2.3.4', undefined],
    [[], ['1.2.3.0/24'], '1.2.3.4', 'denied'],
    [[], ['1.2.3.0/24'], '1.2.4.4', undefined],
    [['10.0.0.0/8'], [], '10.1.1.1', undefined],
    [['10.0.0.0/8'], [], '11.1.1.1', 'denied'],
    [['10.0.0.0/8'], ['10.6.0.0/16'], '10.6.1.1', 'denied'],
    [['10.0.0.0/8'], ['10.6.0.0/16'], '10.7.1.1', undefined],
    [['10.0.0.0/8'], [], '::ffff:10.1.1.1', undefined],
    [[], ['::ffff:127.0.0.2/128'], '127.0.0.2', 'denied'],
    [['2001:db8::/32'], [], '2001:db8::1', undefined],
    [['2001:db8::/32'], [], '10.1.1.1', 'denied'],
    [['0.0.0.0/0'], ['::/0'], '10.1.1.1', 'denied'],
  ];
  for (const [allow, deny, ip, want] of table)
    assert.equal(checkAcl(compileAcl(allow, deny), ip), want, `allow ${allow.join()} deny ${deny.join()} ip ${ip}`);
});

test('admission without PROXY: lists and limits judge the peer at accept, counted once', () => {
  const clock = new FakeClock();
  const table = new ClientTable();
  const a = createAdmission({ acl: compileAcl([], ['127.0.0.3']), limits: { maxConcurrent: 1 } }, table, clock);
  assert.equal(a.admit(conn('127.0.0.3'), 'accept')?.reason, 'denied');
  const ok = conn('127.0.0.2');
  assert.equal(a.admit(ok, 'accept'), undefined);
  assert.equal(a.admit(ok, 'inspected'), undefined, 'nothing more to judge after inspection');
  assert.equal(table.active('127.0.0.2'), 1);
  assert.equal(a.admit(conn('127.0.0.2'), 'accept')?.reason, 'rate_limited');
  a.release(ok, 'inspected');
  assert.equal(table.active('127.0.0.2'), 1, 'only the stage that counted releases');
  a.release(ok, 'accept');
  assert.equal(table.active('127.0.0.2'), 0);
});

test('admission behind a trusted PROXY peer: the advertised client is judged after inspection', () => {
  const clock = new FakeClock();
  const table = new ClientTable();
  const trusted = compileAcl(['192.168.0.0/16'], []).allow;
  const a = createAdmission(
    {
      acl: compileAcl(['10.0.0.0/8'], ['10.6.6.6', '192.168.9.9']),
      limits: { rate: { perSecond: 1, burst: 1 } },
      trustedPeer: (ip) => trusted.has(ip),
    },
    table,
    clock,
  );
  const proxy = conn('192.168.1.1');
  // The proxy itself is not in `allow` (it lists clients): it passes accept, nothing counted.
  assert.equal(a.admit(proxy, 'accept'), undefined);
  assert.equal(table.size, 0);
  // …but a denied trusted peer is refused at once.
  assert.equal(a.admit(conn('192.168.9.9'), 'accept')?.reason, 'denied');
  // After the header: its advertised clients are judged and counted.
  assert.equal(a.admit(conn('192.168.1.1', '10.1.1.1'), 'inspected'), undefined);
  assert.equal(table.active('10.1.1.1'), 1);
  assert.equal(a.admit(conn('192.168.1.1', '10.6.6.6'), 'inspected')?.reason, 'denied');
  assert.equal(a.admit(conn('192.168.1.1', '11.1.1.1'), 'inspected')?.reason, 'denied');
  assert.equal(
    a.admit(conn('192.168.1.2', '10.1.1.1'), 'inspected')?.reason,
    'rate_limited',
    'per client, not per proxy',
  );
  assert.equal(a.admit(conn('192.168.1.1', '10.1.1.2'), 'inspected'), undefined);
  a.release(proxy, 'accept'); // the accept stage counted nothing for a trusted peer
  a.release(conn('192.168.1.1', '10.1.1.1'), 'inspected');
  assert.equal(table.active('10.1.1.1'), 0);
  // An untrusted peer (served with its own address) is judged at accept.
  assert.equal(a.admit(conn('11.2.2.2'), 'accept')?.reason, 'denied');
  assert.equal(a.admit(conn('10.2.2.2'), 'accept'), undefined);
  assert.equal(table.active('10.2.2.2'), 1);
});
