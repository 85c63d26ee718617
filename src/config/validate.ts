import { configSchema, type Config } from './schema.js';
import { semanticIssues, type ConfigIssue } from './semantic.js';
import { toConfigIssues, zodMessage } from './issues.js';
import { salvageConfig } from './salvage.js';
import { configJsonSchema, knownKeysAt, type JsonSchema } from './json-schema.js';

export type ValidationResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
};

/** unknown → a frozen Config, or every problem at once (schema first, then cross-checks). */
export function validateConfig(input: unknown): ValidationResult {
  const parsed = configSchema.safeParse(input, { error: zodMessage });
  if (!parsed.success) {
    let schema: JsonSchema | undefined; // built only when an unknown key needs suggestions
    const known = (path: (string | number)[]): string[] => knownKeysAt((schema ??= configJsonSchema()), path);
    const issues = toConfigIssues(parsed.error.issues, known);
    const salvaged = salvageConfig(input);
    const reported = (path: (string | number)[]): boolean =>
      issues.some((i) => i.path.length <= path.length && i.path.every((p, n) => p === path[n]));
    if (salvaged) issues.push(...semanticIssues(salvaged).filter((i) => !reported(i.path)));
    return { ok: false, issues };
  }
  const issues = semanticIssues(parsed.data);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: deepFreeze(parsed.data) };
}

/** `pools.web.targets[1].address`; a name that is not a plain word is quoted: `listeners["my web"]`. */
export const formatPath = (path: readonly (string | number)[]): string =>
  path.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    if (!/^[A-Za-z0-9_-]+$/.test(p)) return `${acc}[${JSON.stringify(p)}]`;
    return acc ? `${acc}.${p}` : p;
  }, '');
