/**
 * Server-name patterns → values, for SNI routes and for picking a certificate. A pattern is an exact
 * name (`api.example.com`) or a wildcard (`*.example.com`), where `*` stands for exactly one label,
 * as in certificates (RFC 6125 §6.4.3). Names compare case-insensitively; an exact pattern wins over
 * a wildcard, and the first entry of a pattern wins over later ones.
 */
export class SniTable<T> {
  readonly #exact = new Map<string, T>();
  /** Keyed by what follows the `*.`: a name matches through its parent domain. */
  readonly #wildcard = new Map<string, T>();

  constructor(entries: Iterable<readonly [pattern: string, value: T]>) {
    for (const [pattern, value] of entries) {
      const p = normalizeName(pattern);
      const [map, key] = p.startsWith('*.') ? [this.#wildcard, p.slice(2)] : [this.#exact, p];
      if (!map.has(key)) map.set(key, value);
    }
  }

  get size(): number {
    return this.#exact.size + this.#wildcard.size;
  }

  match(name: string | undefined): T | undefined {
    if (name === undefined || name === '') return undefined;
    const n = normalizeName(name);
    const exact = this.#exact.get(n);
    if (exact !== undefined) return exact;
    const dot = n.indexOf('.');
    return dot > 0 ? this.#wildcard.get(n.slice(dot + 1)) : undefined;
  }
}

/** Lower case, without the trailing dot of a fully qualified name. */
export const normalizeName = (name: string): string => {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
};

const LABEL = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
const SNI_PATTERN = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$`);

/** Whether `pattern` is a host name, optionally behind one leading `*.` label. */
export const isSniPattern = (pattern: string): boolean => {
  const p = normalizeName(pattern);
  return p.length <= 253 && SNI_PATTERN.test(p);
};
