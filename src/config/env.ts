// `${VAR}` and `${VAR:-default}` in config values, expanded from the environment (as Docker
// Compose does). `$${` writes a literal `${`. An unset variable without a default is an error.

export type Expansion =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): Expansion {
  let out = '';
  const missing: string[] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) break;
    out += text.slice(i, at);
    if (text.startsWith('$${', at)) {
      out += '${';
      i = at + 3;
      continue;
    }
    if (!text.startsWith('${', at)) {
      out += '$';
      i = at + 1;
      continue;
    }
    const end = text.indexOf('}', at);
    if (end < 0) return { ok: false, message: `unterminated "\${" (write "$\${" for a literal "\${")` };
    const ref = text.slice(at + 2, end);
    const sep = ref.indexOf(':-');
    const name = sep < 0 ? ref : ref.slice(0, sep);
    if (!NAME.test(name)) return { ok: false, message: `"\${${ref}}" is not a valid variable reference` };
    const value = env[name];
    if (sep >= 0) out += value === undefined || value === '' ? ref.slice(sep + 2) : value;
    else if (value === undefined) missing.push(name);
    else out += value;
    i = end + 1;
  }
  out += text.slice(i);
  if (missing.length === 1) return { ok: false, message: `environment variable ${missing[0]} is not set` };
  if (missing.length > 1) return { ok: false, message: `environment variables ${missing.join(', ')} are not set` };
  return { ok: true, value: out };
}
