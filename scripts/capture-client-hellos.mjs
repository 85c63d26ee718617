// Regenerates test/fixtures/client-hello/*.bin: the first TLS record(s) real clients send,
// captured on a plain TCP server, plus index.json saying what each client was asked to offer.
// Usage: node scripts/capture-client-hellos.mjs   (needs openssl and curl)
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';

const dir = new URL('../test/fixtures/client-hello/', import.meta.url);
mkdirSync(dir, { recursive: true });

/** Resolves with the bytes of the first complete handshake record(s) one connection sends. */
async function captureOne(run) {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  const got = new Promise((resolve, reject) => {
    server.once('connection', (sock) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        // Records until the handshake message (4-byte header + body) is complete.
        let off = 0;
        let body = Buffer.alloc(0);
        while (buf.length >= off + 5 && buf.length >= off + 5 + buf.readUInt16BE(off + 3)) {
          const len = buf.readUInt16BE(off + 3);
          body = Buffer.concat([body, buf.subarray(off + 5, off + 5 + len)]);
          off += 5 + len;
          if (body.length >= 4 && body.length >= 4 + body.readUIntBE(1, 3)) {
            sock.destroy();
            return resolve(buf.subarray(0, off));
          }
        }
      });
      sock.on('error', () => undefined);
      sock.on('close', () => reject(new Error('client closed before a whole ClientHello')));
    });
  });
  const stop = run(port);
  try {
    return await got;
  } finally {
    stop();
    server.close();
  }
}

const proc = (cmd, args) => () => {
  const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  p.on('error', (e) => console.error(`${cmd}: ${e.message}`));
  return () => p.kill('SIGKILL');
};
const openssl = (extra) => (port) => proc('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...extra])();
const curl = (name) => (port) =>
  proc('curl', ['-s', '--max-time', '3', '--resolve', `${name}:${port}:127.0.0.1`, `https://${name}:${port}/`])();
const node = (opts) => (port) => {
  const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
  s.on('error', () => undefined);
  return () => s.destroy();
};

const cases = [
  [
    'openssl-sni-alpn',
    'api.example.com',
    ['h2', 'http/1.1'],
    openssl(['-servername', 'api.example.com', '-alpn', 'h2,http/1.1']),
  ],
  ['openssl-no-sni', undefined, undefined, openssl(['-noservername'])],
  ['openssl-tls12', 'legacy.example.com', undefined, openssl(['-tls1_2', '-servername', 'legacy.example.com'])],
  ['curl', 'curl.example.com', ['h2', 'http/1.1'], curl('curl.example.com')],
  [
    'node-sni-alpn',
    'www.example.com',
    ['http/1.1'],
    node({ servername: 'www.example.com', ALPNProtocols: ['http/1.1'] }),
  ],
  ['node-no-sni', undefined, undefined, node({})],
];

const index = [];
for (const [name, sni, alpn, run] of cases) {
  const bytes = await captureOne(run);
  writeFileSync(new URL(`${name}.bin`, dir), bytes);
  index.push({ file: `${name}.bin`, sni: sni ?? null, alpn: alpn ?? null });
  console.log(`${name}.bin: ${bytes.length} bytes`);
}
writeFileSync(new URL('index.json', dir), JSON.stringify(index, null, 2) + '\n');
