import type { Candidate } from '../balancer/balancer.js';
import type { AdminState, HealthState, TargetSpec } from '../core/types.js';

/** A pool member: its spec, health, admin state and live counters. No sockets. */
export class Target implements Candidate {
  spec: TargetSpec;
  health: HealthState = 'unknown';
  admin: AdminState = 'ready';
  /** Removed from the pool by a reload or the API: finishes its connections, gets no new ones. */
  removed = false;
  activeConnections = 0;
  totalConnections = 0;
  connectFailures = 0;
  bytesFromClient = 0;
  bytesToClient = 0;
  lastChange: { at: number; cause: string } | undefined;
  /** When traffic last failed to connect to it (performance.now()); orders last-resort picks. */
  lastFailureAt = 0;

  constructor(spec: TargetSpec) {
    this.spec = spec;
  }

  get id(): string {
    return this.spec.id;
  }

  get weight(): number {
    return this.spec.weight;
  }

  get maxConnections(): number | undefined {
    return this.spec.maxConnections;
  }

  get eligible(): boolean {
    return this.usable && this.health !== 'unhealthy';
  }

  /** Eligible but for its health: what a pool in panic may still try. */
  get usable(): boolean {
    return isUsable(this.removed, this.admin, this.spec.weight);
  }
}

const isUsable = (removed: boolean, admin: AdminState, weight: number): boolean =>
  !removed && admin === 'ready' && weight > 0;

/** Gets new connections: a ready member with a weight, not DOWN (what the views show of any target). */
export const isEligible = (t: {
  readonly removed: boolean;
  readonly admin: AdminState;
  readonly weight: number;
  readonly health: HealthState;
}): boolean => isUsable(t.removed, t.admin, t.weight) && t.health !== 'unhealthy';
