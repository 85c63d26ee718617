import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configJsonSchema, knownKeysAt } from '../../../src/config/json-schema.js';

test('docs/config.schema.json is what `npm run schema` generates from the zod schema', () => {
  const committed = readFileSync(new URL('../../../docs/config.schema.json', import.meta.url), 'utf8');
  assert.equal(
    committed,
    `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    'docs/config.schema.json is stale: run `npm run schema` and commit it',
  );
});

test('the JSON Schema describes the file as written: keys, enums, no unknown keys', () => {
  const s = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties: unknown };
  assert.deepEqual(Object.keys(s.properties).slice(0, 3), ['listeners', 'pools', 'admin']);
  assert.equal(s.additionalProperties, false);
  const text = JSON.stringify(s);
  assert.match(text, /"enum":\["round-robin","least-connections","random","source-hash","first"\]/);
  assert.match(text, /"enum":\["tcp","http","send-expect","udp","none"\]/);
});

test('knownKeysAt finds the keys of objects inside records, lists and unions', () => {
  const s = configJsonSchema();
  assert.deepEqual(knownKeysAt(s, []).slice(0, 3), ['listeners', 'pools', 'admin']);
  assert.ok(knownKeysAt(s, ['pools', 'anything']).includes('algorithm'));
  assert.deepEqual(knownKeysAt(s, ['pools', 'web', 'targets', 3]).slice(0, 3), ['address', 'weight', 'backup']);
  assert.ok(knownKeysAt(s, ['pools', 'web', 'healthCheck']).includes('expectRegex'));
  assert.deepEqual(knownKeysAt(s, ['nope', 'deeper']), []);
});
