import { decodeV1 } from './decode-v1.js';
import { decodeV2 } from './decode-v2.js';
import { invalid, NEED_MORE, V1_PREFIX, V2_SIGNATURE, type DecodeResult } from './types.js';

export interface DecodeOptions {
  /** Bound on a whole v2 header in bytes (default 16 kB, as HAProxy). */
  readonly maxV2Length?: number;
}

/**
 * Decodes the PROXY header at the start of `buf`, v1 or v2, told apart by their signatures and
 * never guessed (spec 2.2): anything else is invalid from its first byte. Call again with more
 * bytes while it says `need-more`; it never throws and never waits past a bounded length.
 */
export function decodeProxyHeader(buf: Buffer, opts: DecodeOptions = {}): DecodeResult {
  if (buf.length === 0) return NEED_MORE;
  if (buf[0] === V2_SIGNATURE[0]) return decodeV2(buf, opts.maxV2Length);
  const n = Math.min(buf.length, V1_PREFIX.length);
  if (buf.compare(V1_PREFIX, 0, n, 0, n) === 0) return decodeV1(buf);
  return invalid('not a PROXY protocol header (neither "PROXY " nor the v2 signature)');
}
