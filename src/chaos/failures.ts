// Which failed requests a backend kill took with it (pure): under churn, a request already
// sent to a backend that dies is lost by any layer-4 proxy (it cannot know whether the backend ran
// it, so it must not send it again); every other failure is one a proxy could have avoided.
import type { FailureKind, Outcome } from './http-client.js';

export interface Kill {
  readonly backend: string;
  /** performance.now() of the kill, on the client's clock. */
  readonly at: number;
}

/**
 * - `in-flight`: sent before a kill and failed after it, on a connection to the killed backend
 *   (a keep-alive connection whose last reply came from it; a new connection's backend is unknown).
 * - `held`: sent after the kill on a keep-alive connection opened before it to the killed backend,
 *   before the proxy's close reached the client: bound to the dead backend as well.
 * - `new`: sent on a connection opened after the last kill (or not bound to the killed backend):
 *   the proxy picked a target that failed and did not recover.
 */
export type FailureClass = 'in-flight' | 'held' | 'new';

export const FAILURE_CLASSES: readonly FailureClass[] = ['in-flight', 'held', 'new'];

export function classify(o: Outcome, kills: readonly Kill[]): FailureClass {
  const end = o.sentAt + o.ms;
  const bound = (k: Kill): boolean => o.via === undefined || o.via === k.backend;
  if (kills.some((k) => k.at >= o.sentAt && k.at <= end && bound(k))) return 'in-flight';
  if (o.via !== undefined && kills.some((k) => k.backend === o.via && k.at >= o.connectedAt && k.at < o.sentAt))
    return 'held';
  return 'new';
}

export interface FailureSummary {
  readonly total: number;
  readonly byClass: Readonly<Record<FailureClass, number>>;
  /** Per class, how the client saw it ("reset" -> count). */
  readonly kinds: Readonly<Record<FailureClass, Readonly<Partial<Record<FailureKind, number>>>>>;
}

export function summarize(failed: readonly Outcome[], kills: readonly Kill[]): FailureSummary {
  const byClass: Record<FailureClass, number> = { 'in-flight': 0, held: 0, new: 0 };
  const kinds: Record<FailureClass, Partial<Record<FailureKind, number>>> = { 'in-flight': {}, held: {}, new: {} };
  for (const o of failed) {
    const c = classify(o, kills);
    byClass[c]++;
    const k = o.failure ?? 'error';
    kinds[c][k] = (kinds[c][k] ?? 0) + 1;
  }
  return { total: failed.length, byClass, kinds };
}

/** "68 in flight at a kill (reset 60, eof 8), 3 new (refused 3)": the classes that occurred. */
export function describeFailures(s: FailureSummary): string {
  const label: Record<FailureClass, string> = {
    'in-flight': 'in flight at a kill',
    held: 'sent on a connection to the killed backend',
    new: 'on connections after a kill',
  };
  const parts = FAILURE_CLASSES.filter((c) => s.byClass[c] > 0).map((c) => {
    const how = Object.entries(s.kinds[c])
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    return `${s.byClass[c]} ${label[c]} (${how})`;
  });
  return parts.length === 0 ? 'none failed' : parts.join('; ');
}
