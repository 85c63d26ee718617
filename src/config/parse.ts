import { readConfigDocument } from './document.js';
import { byPosition, type Problem } from './problem.js';
import type { Config } from './schema.js';
import { validateConfig } from './validate.js';

export type ParseOutcome =
  { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problems: Problem[] };

const isUnder = (path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean =>
  prefix.length <= path.length && prefix.every((p, i) => p === path[i]);

/**
 * Config file text → a valid Config, or every problem in it, in file order, each with its line,
 * column and key path. Pure: the caller reads the file and supplies the environment.
 */
export function parseConfigText(text: string, env: Readonly<Record<string, string | undefined>>): ParseOutcome {
  const doc = readConfigDocument(text, env);
  if (doc.syntax.length > 0) return { ok: false, problems: [...doc.syntax] };
  const v = validateConfig(doc.value);
  if (v.ok && doc.problems.length === 0) return { ok: true, config: v.config };
  // A value whose ${VAR} failed is reported once, for the variable, not again for its content.
  const known = doc.problems.map((p) => p.path);
  const schemaProblems = (v.ok ? [] : v.issues)
    .filter((i) => !known.some((k) => isUnder(i.path, k)))
    .map((i): Problem => ({ ...doc.locate(i.path, i.at), path: i.path, message: i.message }));
  return { ok: false, problems: [...doc.problems, ...schemaProblems].sort(byPosition) };
}
