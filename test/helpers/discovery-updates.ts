import type { TargetSpec } from '../../src/core/types.js';
import type { DiscoveryUpdate } from '../../src/discovery/types.js';
import { eventually } from './net.js';

export type Collector = ReturnType<typeof collector>;

/** `10.0.0.1:80`, `10.0.0.1:80@3+backup`: weight and backup when they are not the defaults. */
export const showTarget = (t: TargetSpec): string =>
  `${t.id}${t.weight !== 1 ? `@${t.weight}` : ''}${t.backup ? '+backup' : ''}`;

/** The updates a discovery source pushed, and its last snapshot written with `show`. */
export function collector(show: (t: TargetSpec) => string = showTarget) {
  const updates: DiscoveryUpdate[] = [];
  const ids = (): string[] | undefined => {
    for (let i = updates.length - 1; i >= 0; i--) {
      const u = updates[i]!;
      if (u.type === 'snapshot') return u.targets.map(show);
    }
    return undefined;
  };
  return { updates, listener: (u: DiscoveryUpdate) => void updates.push(u), ids, last: () => updates.at(-1) };
}

/** Waits until the last snapshot is `want`; the failure says what it was instead. */
export const untilTargets = (c: Collector, want: string[], what: string, ms = 8000): Promise<true> =>
  eventually(
    () => {
      const got = JSON.stringify(c.ids());
      if (got === JSON.stringify(want)) return true;
      throw new Error(`got ${got}`);
    },
    ms,
    what,
  );
