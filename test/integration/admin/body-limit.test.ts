import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { http } from '../../helpers/http.js';
import { startStack } from '../../helpers/stack.js';

const TOKEN = 'body-limit-token';
const input = {
  listeners: { main: { bind: '127.0.0.1:0', pool: 'web' } },
  pools: { web: { targets: ['127.0.0.1:1'], healthCheck: { type: 'none' as const } } },
};

interface Upload {
  /** What the server answered, as text. */
  readonly answer: string;
  /** Body bytes the client managed to write before the server closed the connection. */
  readonly written: number;
  readonly ms: number;
}

/**
 * Sends a request head, then body bytes as fast as the socket takes them (up to `total`), until
 * the server closes the connection; chunked when `chunked`, else with a Content-Length of `total`.
 */
function upload(port: number, head: string, total: number, chunked: boolean): Promise<Upload> {
  return new Promise((resolve) => {
    const started = Date.now();
    const c = connect(port, '127.0.0.1');
    let answer = '';
    let written = 0;
    let closed = false;
    const piece = Buffer.alloc(64 * 1024, 'x');
    const frame = chunked ? Buffer.concat([Buffer.from('10000\r\n'), piece, Buffer.from('\r\n')]) : piece;
    const pump = (): void => {
      while (!closed && written < total) {
        written += piece.length;
        if (!c.write(frame)) return void c.once('drain', pump);
      }
      if (!closed) c.end(chunked ? '0\r\n\r\n' : '');
    };
    c.once('connect', () => {
      const length = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
      c.write(`${head}\r\nHost: a\r\nAuthorization: Bearer ${TOKEN}\r\n${length}\r\n\r\n`);
      pump();
    });
    c.setEncoding('utf8').on('data', (d: string) => (answer += d));
    c.on('error', () => undefined); // the server may reset what it refused to read
    c.once('close', () => {
      closed = true;
      resolve({ answer, written, ms: Date.now() - started });
    });
  });
}

const GiB = 1 << 30;

test('admin body limit on every route: a chunked upload to POST /api/reload gets 413 and the connection closes unread', async (t) => {
  let reloads = 0;
  const s = await startStack(input, {
    token: TOKEN,
    reloader: {
      reload: () => {
        reloads++;
        return Promise.reject(new Error('not reached'));
      },
      readNext: () => Promise.reject(new Error('not reached')),
      last: undefined,
      version: 1,
    },
  });
  try {
    const port = Number(new URL(s.url).port);
    const r = await upload(port, 'POST /api/reload HTTP/1.1', 2 * GiB, true);
    assert.match(r.answer, /^HTTP\/1\.1 413 .*LB_ERR_PAYLOAD_TOO_LARGE/s, r.answer);
    assert.match(r.answer, /connection: close/i);
    assert.ok(r.written < 64 << 20, `the server read ${r.written} bytes of a 2 GiB upload before closing`);
    assert.ok(r.ms < 10_000, `answered and closed in ${r.ms} ms`);
    assert.equal(reloads, 0, 'no reload was done');
    t.diagnostic(`2 GiB chunked upload: ${r.written} bytes written before the close, ${r.ms} ms`);
    assert.equal((await http(`${s.url}/api/status`, { token: TOKEN })).status, 200, 'the server goes on');
  } finally {
    await s.stop();
  }
});

test('admin body limit: GET /api/status with a 100 MB body gets 413 at once; bodies over 64 KiB on a body route too', async (t) => {
  const s = await startStack(input, { token: TOKEN });
  try {
    const port = Number(new URL(s.url).port);
    const get = await upload(port, 'GET /api/status HTTP/1.1', 100e6, false);
    assert.match(get.answer, /^HTTP\/1\.1 413 .*LB_ERR_PAYLOAD_TOO_LARGE.*takes no body/s, get.answer);
    assert.ok(get.written < 64 << 20, `the server read ${get.written} of 100 MB before closing`);
    const post = await upload(port, 'POST /api/pools/web/targets HTTP/1.1', 100e6, true);
    assert.match(post.answer, /^HTTP\/1\.1 413 .*limit of 65536 bytes/s, post.answer);
    assert.ok(post.written < 64 << 20, `the server read ${post.written} of 100 MB before closing`);
    t.diagnostic(`100 MB bodies: ${get.written} (GET) and ${post.written} (POST) bytes written before the close`);
    // A body-less request with an empty chunked body is no body at all.
    const empty = await upload(port, 'GET /api/status HTTP/1.1', 0, true);
    assert.match(empty.answer, /^HTTP\/1\.1 200 /, empty.answer);
    assert.deepEqual(
      s.app
        .pools()
        .get('web')!
        .pool.targets()
        .map((t) => t.id),
      ['127.0.0.1:1'],
      'nothing was added',
    );
  } finally {
    await s.stop();
  }
});
