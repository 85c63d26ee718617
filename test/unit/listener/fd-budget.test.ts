import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFileLimits, parseOpenFileLimits, UNLIMITED_FILES } from '../../../src/core/open-files.js';
import {
  describeBudget,
  fdBudget,
  limitFor,
  maxConnectionsWarning,
  resumeAt,
} from '../../../src/listener/fd-budget.js';

test('fdBudget: two descriptors per connection after a reserve of 64, or 1/16 of the limit', () => {
  const cases: [soft: number, reserve: number, connections: number][] = [
    [64, 64, 1], // nothing left: still one, so that a listener is never shut for good
    [65, 64, 1],
    [128, 64, 32],
    [256, 64, 96],
    [1024, 64, 480],
    [1025, 65, 480],
    [4096, 256, 1920],
    [20_000, 1250, 9375],
    [65_536, 4096, 30_720],
    [UNLIMITED_FILES, 65_536, 491_520],
  ];
  for (const [soft, reserve, connections] of cases)
    assert.deepEqual(
      fdBudget({ soft, hard: soft * 2 }),
      { soft, hard: soft * 2, reserve, connections },
      `limit ${soft}`,
    );
});

test('resumeAt: 5% of slack under the limit, at least one', () => {
  const cases: [limit: number, at: number][] = [
    [1, 0],
    [2, 1],
    [19, 18],
    [20, 19],
    [40, 38],
    [96, 92],
    [10_000, 9500],
  ];
  for (const [limit, at] of cases) assert.equal(resumeAt(limit), at, `limit ${limit}`);
});

test('limitFor: the smallest limit whose budget holds the connections', () => {
  for (const n of [1, 2, 96, 97, 480, 481, 1000, 5000, 10_000, 123_457]) {
    const soft = limitFor(n);
    assert.ok(fdBudget({ soft, hard: soft }).connections >= n, `${soft} holds ${n}`);
    assert.ok(fdBudget({ soft: soft - 1, hard: soft }).connections < n || n === 1, `${soft - 1} does not hold ${n}`);
  }
});

test('maxConnectionsWarning: only above what the limit allows, naming the limit to set', () => {
  const b = fdBudget({ soft: 256, hard: 4096 });
  assert.equal(maxConnectionsWarning('web', 96, b), undefined);
  const w = maxConnectionsWarning('web', 10_000, b);
  assert.match(
    w ?? '',
    /listener web: maxConnections 10000 is more than the descriptor limit allows \(96 connections with 256/,
  );
  assert.match(w ?? '', new RegExp(`to ${limitFor(10_000)} or more`));
  assert.equal(
    describeBudget(b),
    'Descriptors: limit 256 (hard 4096): up to 96 client connections (2 descriptors each, 64 kept for health checks, admin, logs and discovery)',
  );
});

test('open-file limits from /proc/PID/limits', () => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             63344                63344                processes ',
    'Max open files            256                  4096                 files     ',
  ].join('\n');
  assert.deepEqual(parseOpenFileLimits(limits), { soft: 256, hard: 4096 });
  assert.deepEqual(parseOpenFileLimits('Max open files            unlimited            unlimited            files'), {
    soft: UNLIMITED_FILES,
    hard: UNLIMITED_FILES,
  });
  assert.deepEqual(parseOpenFileLimits(''), { soft: UNLIMITED_FILES, hard: UNLIMITED_FILES });
  assert.deepEqual(
    openFileLimits(() => {
      throw new Error('no /proc');
    }),
    { soft: UNLIMITED_FILES, hard: UNLIMITED_FILES },
  );
  const own = openFileLimits();
  assert.ok(own.soft > 0 && own.soft <= own.hard, JSON.stringify(own));
});
