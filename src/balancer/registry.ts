import type { Balancer, BalancerDeps, BalancerFactory, BalancerKind } from './balancer.js';
import { ConsistentHashBalancer } from './consistent-hash.js';
import { FirstBalancer } from './first.js';
import { LeastConnectionsBalancer } from './least-connections.js';
import { RandomBalancer } from './random.js';
import { RoundRobinBalancer } from './round-robin.js';

// A value, not a module-level registration: adding a kind fails compilation until it is wired here.
export const balancerFactories = {
  'round-robin': () => new RoundRobinBalancer(),
  'least-connections': () => new LeastConnectionsBalancer(),
  random: (deps) => new RandomBalancer(deps),
  'source-hash': () => new ConsistentHashBalancer(),
  first: () => new FirstBalancer(),
} satisfies Record<BalancerKind, BalancerFactory>;

export const createBalancer = (kind: BalancerKind, deps: BalancerDeps): Balancer => balancerFactories[kind](deps);
