import { isExcluded, type Balancer, type Candidate, type PickContext } from './balancer.js';
import { fnv1a, hash2 } from './hash.js';

export const MAGLEV_TABLE_SIZE = 65537; // prime, as Envoy's default

/**
 * Source-IP consistent hashing with a Maglev lookup table (weighted). When one of N targets
 * leaves, about 1/N of clients move. A retry walks the table onward past excluded targets.
 */
export class ConsistentHashBalancer implements Balancer {
  readonly kind = 'source-hash';
  #table: Int32Array = new Int32Array(0);
  #candidates: readonly Candidate[] = [];
  readonly #size: number;

  constructor(tableSize = MAGLEV_TABLE_SIZE) {
    this.#size = tableSize;
  }

  rebuild(eligible: readonly Candidate[]): void {
    // Sorted by id so that the table depends on membership only, not on listing order.
    const cands = [...eligible].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.#candidates = cands;
    this.#table = buildMaglevTable(cands, this.#size);
  }

  pick(ctx: PickContext): Candidate | undefined {
    const n = this.#candidates.length;
    if (n === 0) return undefined;
    const start = fnv1a(ctx.clientIp) % this.#size;
    for (let i = 0; i < this.#size; i++) {
      const c = this.#candidates[this.#table[(start + i) % this.#size]!]!;
      if (!isExcluded(ctx, c)) return c;
      if (i > n * 64 && ctx.exclude && ctx.exclude.size >= n) return undefined;
    }
    return undefined;
  }
}

/** Maglev population (Eisenbud et al. 2016), with turns proportional to weight. */
export function buildMaglevTable(cands: readonly Candidate[], size: number): Int32Array {
  const table = new Int32Array(size).fill(-1);
  const n = cands.length;
  if (n === 0) return table;
  const offset = cands.map((c) => fnv1a(c.id) % size);
  const skip = cands.map((c) => (hash2(c.id) % (size - 1)) + 1);
  const next = new Array<number>(n).fill(0);
  const maxWeight = Math.max(...cands.map((c) => c.weight));
  const credit = new Array<number>(n).fill(0);
  let filled = 0;
  while (filled < size) {
    for (let i = 0; i < n && filled < size; i++) {
      credit[i]! += cands[i]!.weight / maxWeight;
      if (credit[i]! < 1) continue;
      credit[i]! -= 1;
      let slot = (offset[i]! + next[i]! * skip[i]!) % size;
      while (table[slot] !== -1) {
        next[i]!++;
        slot = (offset[i]! + next[i]! * skip[i]!) % size;
      }
      table[slot] = i;
      next[i]!++;
      filled++;
    }
  }
  return table;
}
