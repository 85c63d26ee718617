import { formatHostPort, parseHostPort } from '../core/address.js';
import type { TargetId } from '../core/types.js';
import type { TargetState, TargetStore } from '../store/target-store.js';

// Runtime changes to targets go through the target store (src/store/target-store.ts), which
// also says what a reload does to them; these helpers find what a request names.

/** The target id for an address as the user wrote it (`127.0.0.1:80`, `[::1]:80`). */
export function targetIdOf(address: string): TargetId {
  return formatHostPort(parseHostPort(address, 'target'));
}

/** A target of the store's pool, or a 404 naming the ones it has. */
export const findTarget = (store: Pick<TargetStore, 'requireTarget'>, pool: string, id: TargetId): TargetState =>
  store.requireTarget(pool, id);
