import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSniPattern, SniTable } from '../../../src/routing/sni-table.js';

const table = new SniTable<string>([
  ['*.example.com', 'web'],
  ['api.example.com', 'api'],
  ['API.example.com', 'shadowed'],
  ['*.eu.example.com', 'eu'],
  ['example.org.', 'org'],
]);

test('exact before wildcard; a wildcard covers exactly one label; case and trailing dot do not matter', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['api.example.com', 'api'],
    ['Api.Example.Com.', 'api'],
    ['www.example.com', 'web'],
    ['example.com', undefined],
    ['a.b.example.com', undefined],
    ['x.eu.example.com', 'eu'],
    ['example.org', 'org'],
    ['www.example.org', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [name, want] of cases) assert.equal(table.match(name), want, String(name));
  assert.equal(table.size, 4);
});

test('valid patterns: host names and one leading wildcard label only', () => {
  for (const ok of ['a', 'api.example.com', '*.example.com', 'x_y.test', 'EXAMPLE.com.'])
    assert.equal(isSniPattern(ok), true, ok);
  for (const bad of ['', '*', '*.', 'a.*.com', '**.a.com', 'a..b', '-a.com', 'a b.com', 'a.*', '*example.com'])
    assert.equal(isSniPattern(bad), false, bad);
});
