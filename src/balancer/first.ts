import { isExcluded, type Balancer, type Candidate, type PickContext } from './balancer.js';

/** First available target in configured order (HAProxy `balance first`): fills one, then the next. */
export class FirstBalancer implements Balancer {
  readonly kind = 'first';
  #candidates: readonly Candidate[] = [];

  rebuild(eligible: readonly Candidate[]): void {
    this.#candidates = eligible;
  }

  pick(ctx: PickContext): Candidate | undefined {
    for (const c of this.#candidates) if (!isExcluded(ctx, c)) return c;
    return undefined;
  }
}
