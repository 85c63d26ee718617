import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newestFirst, openConnections, type OpenConnection } from '../../../src/listener/open-connections.js';

const conn = (client: string, ageSeconds: number, worker?: number): OpenConnection => ({
  client,
  listener: 'main',
  ageSeconds,
  bytesFromClient: 1,
  bytesToClient: 2,
  ...(worker === undefined ? {} : { worker }),
});

test('newestFirst merges the lists of several workers, youngest first, at most limit', () => {
  const w1 = [conn('a:1', 5, 1), conn('a:2', 0.5, 1)];
  const w2 = [conn('b:1', 2, 2), conn('b:2', 9, 2)];
  assert.deepEqual(
    newestFirst([w1, w2], 3).map((c) => c.client),
    ['a:2', 'b:1', 'a:1'],
  );
  assert.deepEqual(newestFirst([w1, w2], 10).length, 4);
  assert.deepEqual(newestFirst([], 10), []);
});

test('openConnections lists the sessions of one target of one pool, with age and bytes', () => {
  const session = (pool: string, target: string | undefined, port: number, startedAt: number) => ({
    ctx: { pool: { name: pool } },
    target: target === undefined ? undefined : { id: target },
    info: { clientIp: port === 3 ? '::1' : '127.0.0.1', clientPort: port },
    startedAt,
    bytesFromClient: port * 10,
    bytesToClient: port * 100,
  });
  const listeners = [
    {
      name: 'main',
      sessions: () =>
        new Set([
          session('web', 't:1', 1, 1000),
          session('web', 't:2', 2, 1000), // another target
          session('api', 't:1', 4, 1000), // another pool
          session('web', undefined, 5, 1000), // still connecting
        ]),
    },
    { name: 'alt', sessions: () => new Set([session('web', 't:1', 3, 4000)]) },
  ] as unknown as Parameters<typeof openConnections>[0];
  assert.deepEqual(openConnections(listeners, 'web', 't:1', 10, 5000), [
    { client: '[::1]:3', listener: 'alt', ageSeconds: 1, bytesFromClient: 30, bytesToClient: 300 },
    { client: '127.0.0.1:1', listener: 'main', ageSeconds: 4, bytesFromClient: 10, bytesToClient: 100 },
  ]);
  assert.equal(openConnections(listeners, 'web', 't:1', 1, 5000).length, 1);
  assert.deepEqual(openConnections(listeners, 'web', 't:9', 10, 5000), []);
});
