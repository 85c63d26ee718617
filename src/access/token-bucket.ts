/** New connections per second allowed on average, and how many may come at once after a quiet spell. */
export interface BucketSettings {
  readonly perSecond: number;
  readonly burst: number;
}

/** A token bucket's state: tokens left at time `at` (ms). Time comes in as `now`, never from a clock. */
export interface Bucket {
  tokens: number;
  at: number;
}

export const fullBucket = (s: BucketSettings, now: number): Bucket => ({ tokens: s.burst, at: now });

/** Adds the tokens earned since the last look, up to the burst (which may have shrunk on reload). */
export function refill(b: Bucket, s: BucketSettings, now: number): void {
  const earned = now > b.at ? ((now - b.at) * s.perSecond) / 1000 : 0;
  b.tokens = Math.min(s.burst, b.tokens + earned);
  b.at = Math.max(b.at, now);
}

/** Takes one token if there is one: true means the connection may proceed. */
export function take(b: Bucket, s: BucketSettings, now: number): boolean {
  refill(b, s, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/** A full bucket carries no information: a fresh one would behave the same, so it can be dropped. */
export function isFull(b: Bucket, s: BucketSettings, now: number): boolean {
  refill(b, s, now);
  return b.tokens >= s.burst;
}
