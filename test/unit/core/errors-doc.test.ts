import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LB_ERROR_CODES } from '../../../src/core/errors.js';

const root = new URL('../../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('docs/errors.md has a section for every error code, and none for a code that does not exist', () => {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^## (LB_ERR_[A-Z0-9_]+)$/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), [...LB_ERROR_CODES].sort());
  for (const code of LB_ERROR_CODES) {
    const section = doc.split(`## ${code}\n`)[1]!.split('\n## ')[0]!;
    assert.match(section, /\*\*Cause:\*\*/, `${code}: its cause`);
    assert.match(section, /\*\*What to do:\*\*/, `${code}: what to do`);
  }
});

test('every declared error code is raised somewhere (directly, or by its class in errors.ts)', () => {
  const errorsTs = readFileSync(join(root, 'src/core/errors.ts'), 'utf8');
  const others = sources(join(root, 'src'))
    .filter((p) => !p.endsWith(join('core', 'errors.ts')))
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n');
  for (const code of LB_ERROR_CODES) {
    const cls = new RegExp(`class (\\w+) extends LbError \\{[^}]*super\\('${code}'`).exec(errorsTs)?.[1];
    const raised = others.includes(`'${code}'`) || (cls !== undefined && others.includes(`new ${cls}(`));
    assert.ok(raised, `${code} is declared but never raised: raise it or remove it`);
  }
});
