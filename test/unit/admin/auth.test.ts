import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuthorized } from '../../../src/admin/auth.js';

test('isAuthorized: bearer token, exact match only', () => {
  const cases: [string | undefined, string | undefined, boolean][] = [
    [undefined, undefined, true], // no token configured (loopback only)
    ['Bearer anything', undefined, true],
    [undefined, 's3cret', false],
    ['', 's3cret', false],
    ['Bearer s3cret', 's3cret', true],
    ['bearer s3cret', 's3cret', true], // the scheme is case-insensitive (RFC 7235)
    ['Bearer  s3cret ', 's3cret', true],
    ['Bearer s3cre', 's3cret', false],
    ['Bearer s3cretX', 's3cret', false],
    ['Bearer S3CRET', 's3cret', false],
    ['Basic czNjcmV0', 's3cret', false],
    ['s3cret', 's3cret', false],
    ['Bearer s3cret extra', 's3cret', false],
  ];
  for (const [header, token, want] of cases) assert.equal(isAuthorized(header, token), want, `${header} / ${token}`);
});
