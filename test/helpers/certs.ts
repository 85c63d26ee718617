import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** A throw-away certificate authority in a temp dir, made with the openssl command line. */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  /** A leaf certificate signed by the CA: CN = first name, SANs = all names (IPs as IP SANs). */
  issue(file: string, names: readonly string[]): Promise<CertFiles>;
  /** A self-signed certificate the CA knows nothing about. */
  selfSigned(file: string, name: string): Promise<CertFiles>;
  cleanup(): Promise<void>;
}

const san = (names: readonly string[]): string =>
  'subjectAltName=' + names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');

export async function testPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'lb-pki-'));
  const p = (f: string): string => join(dir, f);
  await run(
    'openssl',
    ['req', '-x509', ...EC, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2'].concat([
      '-subj',
      '/CN=LB Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]),
  );
  return {
    dir,
    caCert: p('ca.crt'),
    async issue(file, names) {
      const [cert, key, csr] = [p(`${file}.crt`), p(`${file}.key`), p(`${file}.csr`)];
      await run('openssl', [
        'req',
        ...EC,
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        `/CN=${names[0]}`,
        '-addext',
        san(names),
      ]);
      await run(
        'openssl',
        ['x509', '-req', '-in', csr, '-CA', p('ca.crt'), '-CAkey', p('ca.key')].concat([
          // a serial of its own: -CAcreateserial shares ca.srl, which certificates issued at
          // once (Promise.all) read while another writes it ("Unable to load number")
          '-set_serial',
          `0x${randomBytes(8).toString('hex')}`,
          '-days',
          '2',
          '-copy_extensions',
          'copyall',
          '-out',
          cert,
        ]),
      );
      return { cert, key };
    },
    async selfSigned(file, name) {
      const [cert, key] = [p(`${file}.crt`), p(`${file}.key`)];
      await run(
        'openssl',
        ['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`].concat([
          '-addext',
          san([name]),
        ]),
      );
      return { cert, key };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Overwrites a file in place (certificate rotation in reload tests). */
export const replaceFile = (path: string, content: string | Buffer): Promise<void> => writeFile(path, content);
