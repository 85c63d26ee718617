import type { TargetId } from '../core/types.js';

export const BALANCER_KINDS = ['round-robin', 'least-connections', 'random', 'source-hash', 'first'] as const;
export type BalancerKind = (typeof BALANCER_KINDS)[number];

/** What a balancer sees of a target. `activeConnections` is live: the pool updates it. */
export interface Candidate {
  readonly id: TargetId;
  readonly weight: number;
  readonly activeConnections: number;
  /** A target at this many connections is full: never picked while it is. */
  readonly maxConnections?: number | undefined;
}

export interface PickContext {
  readonly clientIp: string;
  /** Targets already tried for this client (retries never pick the same target twice). */
  readonly exclude?: ReadonlySet<TargetId> | undefined;
}

/** A balancing algorithm: no I/O, no timers; unit-tested with plain arrays. */
export interface Balancer {
  readonly kind: BalancerKind;
  /** Called when the eligible set, or a weight, changes. Precomputes tables; keeps state for kept ids. */
  rebuild(eligible: readonly Candidate[]): void;
  /** The hot path. */
  pick(ctx: PickContext): Candidate | undefined;
}

export interface BalancerDeps {
  readonly random: () => number;
}

export type BalancerFactory = (deps: BalancerDeps) => Balancer;

/** Already tried for this client, or full: every balancer skips it. */
export const isExcluded = (ctx: PickContext, c: Candidate): boolean => ctx.exclude?.has(c.id) === true || isFull(c);

export const isFull = (c: Candidate): boolean =>
  c.maxConnections !== undefined && c.activeConnections >= c.maxConnections;
