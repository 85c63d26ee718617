import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastEventId, sseFrame } from '../../../../src/admin/events/sse.js';
import { listenerProtocol } from '../../../../src/admin/events/listener-protocol.js';
import type { Config } from '../../../../src/config/schema.js';

test('sseFrame: id, event and one line of JSON', () => {
  assert.equal(sseFrame('stats', { a: 'x\ny' }, 7), 'id: 7\nevent: stats\ndata: {"a":"x\\ny"}\n\n');
  assert.equal(sseFrame('snapshot', 1), 'event: snapshot\ndata: 1\n\n');
});

test('lastEventId: a revision or nothing', () => {
  for (const [h, want] of [
    ['12', 12],
    [' 0 ', 0],
    [['5', '6'], 5],
    ['-1', undefined],
    ['1e3', undefined],
    ['abc', undefined],
    ['', undefined],
    [undefined, undefined],
    ['9999999999999999', undefined],
  ] as const)
    assert.equal(lastEventId(h as string | string[] | undefined), want, String(h));
});

test('listenerProtocol: a word for how a listener speaks', () => {
  const config = {
    listeners: {
      a: { tls: {} },
      b: { routes: [{}] },
      c: { proxyProtocol: {} },
      d: {},
    },
  } as unknown as Config;
  assert.equal(listenerProtocol(config, 'a'), 'tls');
  assert.equal(listenerProtocol(config, 'b'), 'tcp sni');
  assert.equal(listenerProtocol(config, 'c'), 'tcp +proxy');
  assert.equal(listenerProtocol(config, 'd'), 'tcp');
  assert.equal(listenerProtocol(undefined, 'x'), 'tcp');
});
