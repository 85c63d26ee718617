import { LbError } from '../core/errors.js';

/** A source that cannot be read (unreachable, refused, bad answer): its last targets stay. */
export class DiscoveryError extends LbError {
  constructor(message: string, cause?: unknown) {
    super('LB_ERR_DISCOVERY', message, { cause });
  }

  /** Wraps any failure with what was being done: `dns SRV _web._tcp.x: queryTxt ENOTFOUND`. */
  static from(e: unknown, doing: string): DiscoveryError {
    if (e instanceof DiscoveryError) return e;
    const code = (e as { code?: unknown }).code;
    const msg = e instanceof Error ? e.message : String(e);
    return new DiscoveryError(
      `${doing}: ${typeof code === 'string' && !msg.includes(code) ? `${code} ` : ''}${msg}`,
      e,
    );
  }
}
