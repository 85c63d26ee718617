import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TlsFiles } from './configs.js';

const run = promisify(execFile);

/** A throw-away self-signed certificate for the TLS listeners (openssl command line). */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  const pem = join(dir, 'tls.pem');
  await run(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat(
      ['-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'],
      ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ),
    { timeout: 20_000 },
  );
  writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, pem };
}
