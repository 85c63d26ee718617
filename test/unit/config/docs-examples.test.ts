import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../../src/config/parse.js';

// Every YAML example in docs/configuration.md must stay true to the schema. Examples that show
// one part of a file (only `pools:`, or listeners naming pools they do not show) may leave out
// what the part does not need; any other problem fails.
const md = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const partOfAFile = (p: { path: readonly (string | number)[]; message: string }): boolean =>
  (p.path.length === 1 && p.message === 'is required') || p.message.startsWith('unknown pool');

test('docs/configuration.md: every YAML example validates (whole files fully, parts but for what they leave out)', () => {
  assert.ok(blocks.length >= 6, `found ${blocks.length} YAML examples`);
  let whole = 0;
  for (const block of blocks) {
    const r = parseConfigText(block, { LB_ADMIN_TOKEN: 'secret' });
    if (r.ok) {
      whole++;
      continue;
    }
    const real = r.problems.filter((p) => !partOfAFile(p));
    assert.deepEqual(
      real.map((p) => `${p.line}:${p.col} ${p.path.join('.')}: ${p.message}`),
      [],
      `example starting "${block.split('\n')[0]!}"`,
    );
  }
  assert.ok(whole >= 2, 'the complete examples validate as they are');
});

test('docs/configuration.md: the complete example is the shape of the issue, fully valid', () => {
  const complete = blocks.find((b) => b.includes('admin:') && b.includes('listeners:') && b.includes('pools:'));
  assert.ok(complete, 'a complete example');
  const r = parseConfigText(complete, { LB_ADMIN_TOKEN: 'secret' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  assert.deepEqual(Object.keys(r.config.listeners), ['web', 'redis']);
  assert.equal(r.config.pools.web!.targets.length, 3);
  assert.equal(r.config.pools.redis!.healthCheck.type, 'send-expect');
  assert.equal(r.config.admin?.token, 'secret');
});
