import type { z } from 'zod';
import { InvalidArgumentError } from '../core/errors.js';
import { formatPath } from '../config/validate.js';

type Issue = z.core.$ZodIssue;

/**
 * Of a union's failed branches, keep those meant for the value's type: `{address: "x"}` is about
 * the object form, not "expected string". Falls back to every branch.
 */
function flatten(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((i) => {
    if (i.code !== 'invalid_union') return [i];
    const relevant = i.errors.filter((b) => !b.some((x) => x.code === 'invalid_type' && x.path.length === 0));
    return flatten(
      (relevant.length > 0 ? relevant : i.errors).flat().map((x) => ({ ...x, path: [...i.path, ...x.path] })),
    );
  });
}

const describe = (i: Issue): string => {
  const path = formatPath(i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
  const last = i.path.at(-1);
  return !path || (typeof last === 'string' && i.message.startsWith(last)) ? i.message : `${path}: ${i.message}`;
};

/** Validates a request body against a schema; a 400 lists every problem (`weight: too big…`). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  if (body === undefined) throw new InvalidArgumentError(`${what}: a JSON body is required`);
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new InvalidArgumentError(`${what}: ${flatten(r.error.issues).map(describe).join('; ')}`);
}
