import { configSchema, type Config } from './schema.js';
import { semanticIssues, type ConfigIssue } from './semantic.js';

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
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
    };
  }
  const issues = semanticIssues(parsed.data);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: deepFreeze(parsed.data) };
}

export const formatPath = (path: readonly (string | number)[]): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
