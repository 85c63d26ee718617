import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { expandEnv } from './env.js';
import type { Problem } from './problem.js';

type Path = (string | number)[];
type Env = Readonly<Record<string, string | undefined>>;

/** A config file parsed as YAML (JSON is YAML too), with positions for every key path. */
export interface ConfigDocument {
  /** The plain value, `${VAR}` expanded. */
  readonly value: unknown;
  /** Syntax errors: when there are any, `value` is not worth validating. */
  readonly syntax: readonly Problem[];
  /** Duplicate keys and failed `${VAR}` expansions. */
  readonly problems: readonly Problem[];
  /** Line and column of the value at `path` (or of its key); of the nearest parent when it is missing. */
  locate(path: readonly (string | number)[], at?: 'key' | 'value'): { line: number; col: number };
}

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

// An unquoted `${PORT}` is typed as YAML would type the text it expands to; a quoted one stays text.
const retype = (text: string): string | number | boolean =>
  /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text;

export function readConfigDocument(text: string, env: Env): ConfigDocument {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const pos = (offset: number): { line: number; col: number } => lc.linePos(offset);
  // The first syntax error only: the ones after it are mostly its echoes.
  const syntax: Problem[] = doc.errors.slice(0, 1).map((e) => ({
    ...pos(e.pos[0]),
    path: [],
    message: `syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
  }));
  if (syntax.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)))
    syntax.push({ line: 1, col: 1, path: [], message: 'the file is empty (expected "listeners" and "pools")' });
  const problems: Problem[] = [];
  if (syntax.length === 0) walk(doc, doc.contents, [], env, pos, problems);
  return {
    value: syntax.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : undefined,
    syntax,
    problems,
    locate: (path, at = 'value') => pos(locateOffset(doc, path, at)),
  };
}

/** Checks duplicate keys and expands `${VAR}` in string values, in place. */
function walk(
  doc: Document,
  node: unknown,
  path: Path,
  env: Env,
  pos: (offset: number) => { line: number; col: number },
  out: Problem[],
): void {
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const keyStart = (pair.key as Node | null)?.range?.[0] ?? 0;
      const first = seen.get(key);
      if (first !== undefined)
        out.push({
          ...pos(keyStart),
          path: [...path, key],
          message: `duplicate key (first at line ${pos(first).line})`,
        });
      else seen.set(key, keyStart);
      walk(doc, pair.value, [...path, key], env, pos, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(doc, item, [...path, i], env, pos, out));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
    const r = expandEnv(node.value, env);
    if (!r.ok) out.push({ ...pos(node.range?.[0] ?? 0), path, message: r.message });
    else node.value = node.type === 'PLAIN' ? retype(r.value) : r.value;
  }
}

function locateOffset(doc: Document, path: readonly (string | number)[], at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      key = undefined;
      node = node.items[seg];
    } else break;
    depth++;
  }
  const value = node as Node | null;
  // A missing key points at the mapping that lacks it; a key with no value at the key.
  const target = depth === path.length && at === 'value' && value?.range ? value : (key ?? value);
  return target?.range?.[0] ?? 0;
}
