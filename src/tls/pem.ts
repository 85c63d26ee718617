import { readFileSync } from 'node:fs';
import { TlsConfigError } from '../core/errors.js';

/** Reads a PEM file named in the config; `what` says which option named it. */
export function readPemFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TlsConfigError(`${what}: cannot read ${path} (${code ?? String(e)})`, e);
  }
}

/** OpenSSL's messages start with a long code (`error:05800074:x509 certificate routines::`). */
export const opensslMessage = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).replace(/^error:[0-9A-F]+:([^:]*)::/, '$1: ');
