// Every error the process can report carries a stable `code`: that is the contract for logs,
// the admin API and IPC, where errors travel as data (docs/errors.md lists them).
// Failures of one connection (no healthy target, connect timeout, a bad PROXY header) are not
// errors but close reasons (close-reason.ts): they end that connection and are counted.
export const LB_ERROR_CODES = [
  'LB_ERR_INVALID_ARGUMENT',
  'LB_ERR_CONFIG_INVALID',
  'LB_ERR_LISTEN',
  'LB_ERR_NOT_FOUND',
  'LB_ERR_UNAUTHORIZED',
  'LB_ERR_BAD_REQUEST',
  'LB_ERR_METHOD_NOT_ALLOWED',
  'LB_ERR_PAYLOAD_TOO_LARGE',
  'LB_ERR_CONFLICT',
  'LB_ERR_RELOAD_UNAVAILABLE',
  'LB_ERR_UPGRADE_UNAVAILABLE',
  'LB_ERR_UPGRADE_FAILED',
  'LB_ERR_WORKER',
  'LB_ERR_INTERNAL',
  'LB_ERR_TLS_CONFIG',
  'LB_ERR_NATIVE_RELAY',
  'LB_ERR_DISCOVERY',
] as const;
export type LbErrorCode = (typeof LB_ERROR_CODES)[number];

export class LbError extends Error {
  readonly code: LbErrorCode;
  constructor(code: LbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  toJSON(): { name: string; code: LbErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** A bad command-line argument, config value or API input; the message names the culprit. */
export class InvalidArgumentError extends LbError {
  constructor(message: string) {
    super('LB_ERR_INVALID_ARGUMENT', message);
  }
}

export class ListenError extends LbError {
  constructor(message: string, cause?: unknown) {
    super('LB_ERR_LISTEN', message, { cause });
  }
}

export const isLbError = (e: unknown): e is LbError => e instanceof LbError;

/** The message of anything thrown, for a one-line report. */
export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A certificate, key or CA file that cannot be read or used; the message names the file. */
export class TlsConfigError extends LbError {
  constructor(message: string, cause?: unknown) {
    super('LB_ERR_TLS_CONFIG', message, { cause });
  }
}
