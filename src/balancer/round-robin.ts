import { isExcluded, type Balancer, type Candidate, type PickContext } from './balancer.js';

/**
 * Smooth weighted round-robin, as nginx does it: weights interleave (5,1,1 gives a a b a c a a)
 * rather than burst. Current weights survive a rebuild for the ids that stay, so a reload or a
 * health change does not restart the rotation.
 */
export class RoundRobinBalancer implements Balancer {
  readonly kind = 'round-robin';
  #candidates: readonly Candidate[] = [];
  #current = new Map<string, number>();

  rebuild(eligible: readonly Candidate[]): void {
    const next = new Map<string, number>();
    for (const c of eligible) next.set(c.id, this.#current.get(c.id) ?? 0);
    this.#candidates = eligible;
    this.#current = next;
  }

  pick(ctx: PickContext): Candidate | undefined {
    let best: Candidate | undefined;
    let bestCurrent = -Infinity;
    let total = 0;
    for (const c of this.#candidates) {
      if (isExcluded(ctx, c)) continue;
      const cur = (this.#current.get(c.id) ?? 0) + c.weight;
      this.#current.set(c.id, cur);
      total += c.weight;
      if (cur > bestCurrent) {
        bestCurrent = cur;
        best = c;
      }
    }
    if (best) this.#current.set(best.id, bestCurrent - total);
    return best;
  }
}
