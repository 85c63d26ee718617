import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBody } from '../../../src/admin/body.js';
import { parseJson } from '../../../src/admin/http-io.js';
import { targetSchema } from '../../../src/config/schema.js';
import { isLbError } from '../../../src/core/errors.js';

const failure = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (e) {
    if (isLbError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('did not throw');
};

test('parseBody: a target, in either form, with the config rules', () => {
  assert.deepEqual(parseBody(targetSchema, '127.0.0.1:80', 'target'), {
    host: '127.0.0.1',
    port: 80,
    weight: 1,
    backup: false,
  });
  assert.deepEqual(parseBody(targetSchema, { address: '[::1]:80', weight: 3, backup: true }, 'target'), {
    host: '::1',
    port: 80,
    weight: 3,
    backup: true,
  });
});

test('parseBody: every problem named, for the form that was sent', () => {
  const cases: [unknown, string][] = [
    [undefined, 'target: a JSON body is required'],
    [{ address: '10.0.0.1:99999' }, 'target: address: port 99999 is out of range (1-65535)'],
    [{ address: 'nohost' }, 'target: address: "nohost" has no port (use HOST:PORT)'],
    ['nohost', 'target: "nohost" has no port (use HOST:PORT)'],
    [
      { address: '10.0.0.1:80', weight: 0 },
      'target: weight must be at least 1 (use admin state "maint" to take a target out)',
    ],
    [{ address: '10.0.0.1:80', wieght: 2 }, 'target: Unrecognized key: "wieght"'],
    [{ address: '10.0.0.1:80', backup: 'yes' }, 'target: backup: Invalid input: expected boolean, received string'],
  ];
  for (const [body, message] of cases)
    assert.deepEqual(
      failure(() => parseBody(targetSchema, body, 'target')),
      {
        code: 'LB_ERR_INVALID_ARGUMENT',
        message,
      },
    );
});

test('parseJson: empty is undefined, malformed is a 400 that says why', () => {
  assert.equal(parseJson(Buffer.from(' \n')), undefined);
  assert.deepEqual(parseJson(Buffer.from('{"a":1}')), { a: 1 });
  const f = failure(() => parseJson(Buffer.from('{"a":')));
  assert.equal(f.code, 'LB_ERR_BAD_REQUEST');
  assert.match(f.message, /^malformed JSON body: /);
});
