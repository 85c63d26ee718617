import type { z } from 'zod';
import type { ConfigIssue } from './semantic.js';
import { closest } from './suggest.js';

type Path = (string | number)[];
type ZodIssue = z.core.$ZodIssue;

// Zod's issues rewritten for people editing a YAML file: "expected an integer, got 1.5",
// "unknown key, did you mean "algorithm"?", one union branch instead of all of them.

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** A value as a message shows it. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}

const oneOf = (values: readonly unknown[]): string => values.map(String).join(', ');

/** The error map given to safeParse: messages for the issues raised while parsing. */
export const zodMessage: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'invalid_value': {
      if (iss.values.length === 1) return `expected ${JSON.stringify(iss.values[0])}, got ${describeValue(iss.input)}`;
      const hint = typeof iss.input === 'string' ? closest(iss.input, iss.values.map(String)) : undefined;
      return `${describeValue(iss.input)} is not one of ${oneOf(iss.values)}${hint ? `; did you mean "${hint}"?` : ''}`;
    }
    case 'too_small':
      if (iss.origin === 'string' && Number(iss.minimum) === 1) return 'must not be empty';
      if (iss.origin === 'array') return `needs at least ${iss.minimum} item${Number(iss.minimum) === 1 ? '' : 's'}`;
      return `must be ${iss.inclusive === false ? 'greater than' : 'at least'} ${iss.minimum}`;
    case 'too_big':
      return `must be ${iss.inclusive === false ? 'less than' : 'at most'} ${iss.maximum}`;
    case 'invalid_format':
      if (iss.format === 'starts_with') return `must start with ${JSON.stringify(iss.prefix)}`;
      return `must match ${iss.pattern ?? iss.format}`;
    default:
      return undefined;
  }
};

const isTypeMismatch = (i: ZodIssue): boolean =>
  i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'invalid_value' && i.values.length === 1));

interface Issue extends ConfigIssue {
  readonly missing?: boolean;
}

function flatten(i: ZodIssue, base: Path, knownKeys: (path: Path) => readonly string[], out: Issue[]): void {
  const path = [...base, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  switch (i.code) {
    case 'invalid_union': {
      // Report the branch that has the value's type (the object form of a target, say), not all.
      const fitting = i.errors.filter((branch) => !branch.some(isTypeMismatch));
      if (fitting.length > 0) {
        for (const sub of fitting[0]!) flatten(sub, path, knownKeys, out);
        return;
      }
      const first = i.errors[0]?.[0]?.message ?? '';
      const expected = i.errors
        .flatMap((b) => b.filter(isTypeMismatch))
        .map((m) =>
          m.code === 'invalid_value'
            ? JSON.stringify(m.values[0])
            : m.code === 'invalid_type'
              ? (EXPECTED[m.expected] ?? m.expected)
              : '',
        );
      const got = /, got (.*)$/.exec(first)?.[1];
      out.push(
        first === 'is required'
          ? { path, message: first, missing: true }
          : { path, message: `expected ${[...new Set(expected)].join(' or ')}${got ? `, got ${got}` : ''}` },
      );
      return;
    }
    case 'unrecognized_keys': {
      const known = knownKeys(path);
      for (const key of i.keys) {
        const hint = closest(key, known);
        out.push({
          path: [...path, key],
          at: 'key',
          message: hint ? `unknown key, did you mean "${hint}"?` : `unknown key (expected one of: ${known.join(', ')})`,
        });
      }
      return;
    }
    case 'invalid_key':
      for (const sub of i.issues) out.push({ path, at: 'key', message: sub.message });
      return;
    default:
      out.push({ path, message: i.message, ...(i.message === 'is required' ? { missing: true } : {}) });
  }
}

/**
 * Zod issues → config issues with their key paths. A key reported missing is dropped when an
 * unknown key next to it was suggested in its place (`adress` → `address`): one mistake, one line.
 */
export function toConfigIssues(
  issues: readonly ZodIssue[],
  knownKeys: (path: Path) => readonly string[],
): ConfigIssue[] {
  const out: Issue[] = [];
  for (const i of issues) flatten(i, [], knownKeys, out);
  const suggested = new Set(
    out.flatMap((i) => {
      const m = /^unknown key, did you mean "(.*)"\?$/.exec(i.message);
      return m ? [JSON.stringify([...i.path.slice(0, -1), m[1]])] : [];
    }),
  );
  return out.filter((i) => !(i.missing && suggested.has(JSON.stringify(i.path)))).map(({ missing: _, ...i }) => i);
}
