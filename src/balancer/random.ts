import { isExcluded, type Balancer, type BalancerDeps, type Candidate, type PickContext } from './balancer.js';

/**
 * Random with two choices (P2C): draw two targets by weight, keep the one with fewer connections
 * per weight. Near least-connections quality without a scan (HAProxy random(2), Envoy).
 */
export class RandomBalancer implements Balancer {
  readonly kind = 'random';
  #candidates: readonly Candidate[] = [];
  #cumulative: number[] = [];
  #total = 0;
  readonly #random: () => number;

  constructor(deps: BalancerDeps) {
    this.#random = deps.random;
  }

  rebuild(eligible: readonly Candidate[]): void {
    this.#candidates = eligible;
    this.#cumulative = [];
    this.#total = 0;
    for (const c of eligible) {
      this.#total += c.weight;
      this.#cumulative.push(this.#total);
    }
  }

  #draw(ctx: PickContext): Candidate | undefined {
    const cands = this.#candidates;
    for (let attempt = 0; attempt < 4; attempt++) {
      const r = this.#random() * this.#total;
      let lo = 0;
      let hi = cands.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.#cumulative[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      const c = cands[lo];
      if (c && !isExcluded(ctx, c)) return c;
    }
    // Many exclusions: fall back to the first allowed one (retries are rare and short).
    return cands.find((c) => !isExcluded(ctx, c));
  }

  pick(ctx: PickContext): Candidate | undefined {
    const a = this.#draw(ctx);
    if (!a) return undefined;
    const b = this.#draw(ctx);
    if (!b || b === a) return a;
    const sa = a.activeConnections / a.weight;
    const sb = b.activeConnections / b.weight;
    return sb < sa ? b : a;
  }
}
