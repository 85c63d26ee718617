import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect as tlsConnect, createSecureContext, TLSSocket } from 'node:tls';
import type { CertFiles } from './certs.js';
import { tcpServer, type TestServer } from './net.js';

/** A TLS server on 127.0.0.1 with its own certificate; `handler` runs once the handshake is done. */
export function tlsServer(certs: CertFiles, handler: (s: TLSSocket) => void): Promise<TestServer> {
  const secureContext = createSecureContext({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) });
  return tcpServer((raw) => {
    const s = new TLSSocket(raw, { isServer: true, secureContext });
    s.on('error', () => undefined);
    s.once('secure', () => handler(s));
  });
}

/** A TLS server that answers each connection with `name` and a newline, then closes. */
export const tlsNameServer = (name: string, certs: CertFiles): Promise<TestServer> =>
  tlsServer(certs, (s) => s.end(`${name}\n`));

export interface ProcResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with `input` on stdin (then EOF), killing it after `timeoutMs`. */
export function runProgram(cmd: string, args: readonly string[], input = '', timeoutMs = 8000): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} did not exit within ${timeoutMs}ms: ${stdout} ${stderr}`));
    }, timeoutMs);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}

/** `openssl s_client` to 127.0.0.1:port that waits for the server to close (-ign_eof). */
export const sClient = (port: number, args: readonly string[], input = ''): Promise<ProcResult> =>
  runProgram('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-ign_eof', ...args], input);

/** The peer certificate's subject line as s_client prints it (`CN = api.example.com`). */
export const subjectOf = (out: string): string | undefined => /^subject=(.*)$/m.exec(out)?.[1]?.trim();

/** A TLS client connection to 127.0.0.1:port, resolved once the handshake is done. */
export async function tlsOpen(port: number, servername: string, ca: Buffer): Promise<TLSSocket> {
  const s = tlsConnect({ port, host: '127.0.0.1', servername, ca });
  await once(s, 'secureConnect');
  return s;
}

/** Writes `text` and resolves with the next chunk read (an echo backend sends it back). */
export async function roundTrip(s: TLSSocket, text: string): Promise<string> {
  s.write(text);
  const [d] = (await once(s, 'data')) as [Buffer];
  return d.toString();
}
