import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandEnv } from '../../../src/config/env.js';

const env = { HOST: '10.0.0.1', PORT: '8080', EMPTY: '' };

test('expandEnv: ${VAR}, ${VAR:-default}, $${ and the errors, as a table', () => {
  const cases: [string, ReturnType<typeof expandEnv>][] = [
    ['no variables', { ok: true, value: 'no variables' }],
    ['${HOST}:${PORT}', { ok: true, value: '10.0.0.1:8080' }],
    ['${MISSING:-127.0.0.1}:${PORT}', { ok: true, value: '127.0.0.1:8080' }],
    ['${EMPTY:-fallback}', { ok: true, value: 'fallback' }],
    ['${EMPTY}', { ok: true, value: '' }],
    ['${HOST:-}', { ok: true, value: '10.0.0.1' }],
    ['${MISSING:-}', { ok: true, value: '' }],
    ['cost: $5 and $HOST', { ok: true, value: 'cost: $5 and $HOST' }],
    ['literal $${HOST}', { ok: true, value: 'literal ${HOST}' }],
    ['${MISSING}', { ok: false, message: 'environment variable MISSING is not set' }],
    ['${A_1}-${B_2}', { ok: false, message: 'environment variables A_1, B_2 are not set' }],
    ['${1BAD}', { ok: false, message: '"${1BAD}" is not a valid variable reference' }],
    ['${}', { ok: false, message: '"${}" is not a valid variable reference' }],
    ['${HOST', { ok: false, message: 'unterminated "${" (write "$${" for a literal "${")' }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(expandEnv(input, env), expected, input);
});
