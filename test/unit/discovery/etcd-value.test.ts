import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEtcdTarget } from '../../../src/discovery/etcd-value.js';

const spec = (key: string, value: string) => {
  const s = parseEtcdTarget(key, value);
  return `${s.id} w=${s.weight}${s.backup ? ' backup' : ''}${s.maxConnections ? ` max=${s.maxConnections}` : ''}`;
};

test('etcd values: every accepted format', () => {
  const cases: [string, string, string][] = [
    ['/s/web/10.0.0.1:8080', '', '10.0.0.1:8080 w=1'],
    ['/s/web/[2001:DB8:0::1]:80', '', '[2001:db8::1]:80 w=1'],
    ['/s/web/%5B%3A%3A1%5D%3A80', '', '[::1]:80 w=1'],
    ['/s/web/any-name', '10.0.0.2:81', '10.0.0.2:81 w=1'],
    ['/s/web/x', ' Web-1.Example.internal:81 ', 'web-1.example.internal:81 w=1'],
    [
      '/s/web/x',
      '{"address":"10.0.0.3:82","weight":2,"backup":true,"maxConnections":5}',
      '10.0.0.3:82 w=2 backup max=5',
    ],
    ['/s/web/x', '{"Op":0,"Addr":"10.0.0.4:83","Metadata":{"zone":"a"}}', '10.0.0.4:83 w=1'],
    ['/s/web/x', '{"address":"[::1]:84","extra":"ignored"}', '[::1]:84 w=1'],
  ];
  for (const [key, value, want] of cases) assert.equal(spec(key, value), want, `${key} = ${value}`);
});

test('etcd values: one clear error per kind of bad input, naming the key', () => {
  const cases: [string, string, RegExp][] = [
    ['/s/web/no-port', '', /etcd key \/s\/web\/no-port: "no-port" has no port/],
    ['/s/web/x', '10.0.0.1:99999', /out of range/],
    ['/s/web/x', '{"address":', /neither HOST:PORT nor valid JSON/],
    ['/s/web/x', '[1,2]', /is not \[IPv6\]:PORT/],
    ['/s/web/x', '{"weight":2}', /"address" \(or "Addr"\) must be HOST:PORT/],
    ['/s/web/x', '{"address":"10.0.0.1:80","weight":0}', /weight must be an integer from 1 to 1000/],
    ['/s/web/x', '{"address":"10.0.0.1:80","weight":"2"}', /weight must be an integer/],
    ['/s/web/x', '{"address":"10.0.0.1:80","backup":"yes"}', /"backup" must be true or false/],
    ['/s/web/x', '{"address":"10.0.0.1:80","maxConnections":-1}', /"maxConnections" must be a positive integer/],
    ['/s/web/x', 'bad host!:80', /not a valid host/],
  ];
  for (const [key, value, re] of cases)
    assert.throws(
      () => parseEtcdTarget(key, value),
      (e: Error & { code?: string }) =>
        re.test(e.message) && e.code === 'LB_ERR_INVALID_ARGUMENT' && e.message.includes(key),
      `${key} = ${value}`,
    );
});
