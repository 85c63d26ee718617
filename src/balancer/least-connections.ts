import { isExcluded, type Balancer, type Candidate, type PickContext } from './balancer.js';

/**
 * Weighted least-connections: the target with the lowest (active + 1) / weight wins; ties rotate
 * (HAProxy's leastconn), so an idle pool still spreads new connections.
 */
export class LeastConnectionsBalancer implements Balancer {
  readonly kind = 'least-connections';
  #candidates: readonly Candidate[] = [];
  #offset = 0;

  rebuild(eligible: readonly Candidate[]): void {
    this.#candidates = eligible;
  }

  pick(ctx: PickContext): Candidate | undefined {
    const list = this.#candidates;
    const n = list.length;
    if (n === 0) return undefined;
    let best: Candidate | undefined;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      const c = list[(this.#offset + i) % n]!;
      if (isExcluded(ctx, c)) continue;
      const score = (c.activeConnections + 1) / c.weight;
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    this.#offset = (this.#offset + 1) % n;
    return best;
  }
}
