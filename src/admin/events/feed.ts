// What the event stream (GET /api/events) is fed by: the target store's revisioned events
// (src/store). Declared here as the narrow shape the stream reads, so that the stream can be
// tested without the rest of the control plane.

/** One change, as the store emits it: `type` names it (`health-changed`, `admin-changed`, ...). */
export interface FeedEvent {
  readonly revision: number;
  readonly type: string;
  readonly at: number;
  readonly cause: string;
  readonly pool: string;
}

export interface EventFeed {
  /** The revision of the last change (0 before any). */
  readonly revision: number;
  /** Called with every batch of changes, in revision order; returns the unsubscribe function. */
  subscribe(fn: (events: readonly FeedEvent[]) => void): () => void;
  /** The changes after `revision`, or undefined when they are no longer all held (send a full state). */
  eventsSince(revision: number): readonly FeedEvent[] | undefined;
}
