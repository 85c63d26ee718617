import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { TlsConfigError } from '../core/errors.js';
import { isSniPattern, SniTable } from '../routing/sni-table.js';
import { opensslMessage, readPemFile } from './pem.js';

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

export interface ServerCertificateOptions {
  /** The first one is the default, served when no certificate names the client's server name. */
  readonly certificates: readonly CertificateFiles[];
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** For error messages: `listeners.web.tls`. */
  readonly where: string;
}

/** A listener's certificates, each a ready SecureContext, chosen by the name the client asks for. */
export interface ServerCertificates {
  readonly default: SecureContext;
  /** The certificate naming `servername` (exact, then wildcard), else the default. */
  select(servername: string): SecureContext;
  /** Names per certificate, in order (for logs). */
  readonly names: readonly (readonly string[])[];
}

/** Reads and checks every certificate and key now, so that a bad file fails the config load or reload. */
export function loadServerCertificates(o: ServerCertificateOptions): ServerCertificates {
  const loaded = o.certificates.map((files, i) => {
    const where = `${o.where}${o.certificates.length > 1 ? ` certificate ${i + 1}` : ''}`;
    const cert = readPemFile(files.cert, `${where} cert`);
    const key = readPemFile(files.key, `${where} key`);
    try {
      // createSecureContext checks that the key matches the certificate.
      return { context: createSecureContext({ cert, key, minVersion: o.minVersion }), names: certificateNames(cert) };
    } catch (e) {
      throw new TlsConfigError(`${where}: ${files.cert} / ${files.key}: ${opensslMessage(e)}`, e);
    }
  });
  const first = loaded[0];
  if (!first) throw new TlsConfigError(`${o.where}: no certificate`);
  const table = new SniTable(loaded.flatMap((c) => c.names.map((n) => [n, c.context] as const)));
  return {
    default: first.context,
    select: (servername) => table.match(servername) ?? first.context,
    names: loaded.map((c) => c.names),
  };
}

/** The DNS names a certificate is valid for: its subjectAltName DNS entries, else its CN. */
export function certificateNames(pem: Buffer): string[] {
  const x = new X509Certificate(pem);
  const dns = [...(x.subjectAltName ?? '').matchAll(/(?:^|, )DNS:([^,\s]+)/g)].map((m) => m[1]!.toLowerCase());
  if (dns.length > 0) return dns;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1]?.toLowerCase();
  return cn !== undefined && isSniPattern(cn) ? [cn] : [];
}
