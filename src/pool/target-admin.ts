import { formatHostPort, parseHostPort } from '../core/address.js';
import { LbError } from '../core/errors.js';
import type { TargetId } from '../core/types.js';
import type { PoolRuntime } from './pool-runtime.js';
import type { Target } from './target.js';

// Runtime changes to targets go through the target store (src/store/target-store.ts), which
// also says what a reload does to them; these helpers find what a request names.

/** The target id for an address as the user wrote it (`127.0.0.1:80`, `[::1]:80`). */
export function targetIdOf(address: string): TargetId {
  return formatHostPort(parseHostPort(address, 'target'));
}

export function findTarget(rt: PoolRuntime, id: TargetId): Target {
  const t = rt.pool.get(id);
  if (t) return t;
  const known = rt.pool.targets().map((x) => x.id);
  throw new LbError(
    'LB_ERR_NOT_FOUND',
    `pool "${rt.name}" has no target ${id}${known.length ? ` (targets: ${known.join(', ')})` : ' (it has no targets)'}`,
  );
}
