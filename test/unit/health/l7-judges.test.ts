import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest, judgeStatus, statusMatches } from '../../../src/health/probes/http.js';
import { judgeReply, unescapeCheck } from '../../../src/health/probes/send-expect.js';
import { showReply } from '../../../src/health/probes/conversation.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('statusMatches: an exact status or a class', () => {
  const cases: [number, number | string, boolean][] = [
    [200, 200, true],
    [204, 200, false],
    [204, '2xx', true],
    [299, '2xx', true],
    [301, '2xx', false],
    [301, '3xx', true],
    [500, '5xx', true],
    [199, '2xx', false],
  ];
  for (const [status, expect, ok] of cases) assert.equal(statusMatches(status, expect), ok, `${status} ${expect}`);
});

test('judgeStatus waits for the status line, then judges it', () => {
  const judge = judgeStatus('2xx');
  const cases: [string, boolean, ReturnType<typeof judge>][] = [
    ['HTTP/1.1 20', false, undefined],
    ['HTTP/1.1 200 OK\r\n', false, { ok: true, detail: 'HTTP 200' }],
    ['HTTP/1.0 204\r\nContent-Length: 0\r\n', false, { ok: true, detail: 'HTTP 204' }],
    ['HTTP/1.1 503 Service Unavailable\r\n', false, { ok: false, detail: 'HTTP 503 (expected 2xx)' }],
    ['HTTP/2 200\r\n', false, { ok: true, detail: 'HTTP 200' }],
    ['HTTP/1.1 200', true, { ok: true, detail: 'HTTP 200' }],
    ['SSH-2.0-OpenSSH_9.2\r\n', false, { ok: false, detail: 'not an HTTP response: got "SSH-2.0-OpenSSH_9.2"' }],
    ['+PONG', true, { ok: false, detail: 'not an HTTP response: got "+PONG"' }],
  ];
  for (const [text, ended, verdict] of cases) assert.deepEqual(judge(b(text), ended), verdict, text);
  assert.deepEqual(judgeStatus(200)(b('HTTP/1.1 201 Created\r\n'), false), {
    ok: false,
    detail: 'HTTP 201 (expected 200)',
  });
});

test('httpRequest: GET with Host, closing the connection', () => {
  assert.equal(
    httpRequest('/healthz?full=1', 'db.internal:8080').toString(),
    'GET /healthz?full=1 HTTP/1.1\r\nHost: db.internal:8080\r\nUser-Agent: tcp-loadbalancer-health-check\r\nConnection: close\r\n\r\n',
  );
});

test('unescapeCheck turns written escapes into bytes', () => {
  const cases: [string, string][] = [
    ['PING\\r\\n', 'PING\r\n'],
    ['a\\tb\\0c', 'a\tb\0c'],
    ['back\\\\slash', 'back\\slash'],
    ['PING\r\n', 'PING\r\n'],
    ['\\x41 stays', '\\x41 stays'],
  ];
  for (const [input, out] of cases) assert.equal(unescapeCheck(input), out, input);
});

test('judgeReply: substring (with escapes) or regular expression, on partial replies', () => {
  const pong = judgeReply({ expect: '+PONG\\r\\n', expectRegex: false });
  assert.equal(pong(b('+PO'), false), undefined);
  assert.deepEqual(pong(b('+PONG\r\n'), false), { ok: true, detail: 'reply matched' });
  assert.equal(pong(b('-ERR unknown\r\n'), true), undefined);
  const role = judgeReply({ expect: 'role:master', expectRegex: false });
  assert.deepEqual(role(b('# Replication\r\nrole:master\r\n'), false), { ok: true, detail: 'reply matched' });
  const re = judgeReply({ expect: '^\\+(PONG|OK)', expectRegex: true });
  assert.deepEqual(re(b('+OK\r\n'), false), { ok: true, detail: 'reply matched' });
  assert.equal(re(b('-ERR\r\n'), false), undefined);
  const utf8 = judgeReply({ expect: 'prêt', expectRegex: false });
  assert.deepEqual(utf8(Buffer.from('état: prêt', 'utf8'), false), { ok: true, detail: 'reply matched' });
});

test('showReply escapes and cuts a reply for messages', () => {
  assert.equal(showReply(b('+PONG\r\n')), '"+PONG\\r\\n"');
  assert.equal(showReply(b('x'.repeat(70))), `"${'x'.repeat(60)}…"`);
});
