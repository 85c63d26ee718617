import { readFile } from 'node:fs/promises';
import type { Config } from './schema.js';
import { parseConfigText } from './parse.js';
import { formatProblem } from './problem.js';

/** A freshly read config: valid, or every problem found in it (formatted, with file:line:col). */
export type LoadOutcome =
  { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly issues: string[] };

/** Reads and validates a YAML or JSON config file; `file` is shown in messages as given. */
export async function loadConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadOutcome> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    return { ok: false, issues: [`${file}: cannot read the config file: ${why}`] };
  }
  const r = parseConfigText(text, env);
  return r.ok ? r : { ok: false, issues: r.problems.map((p) => formatProblem(file, p)) };
}
