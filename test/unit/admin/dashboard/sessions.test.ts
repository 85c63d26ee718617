import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore } from '../../../../src/admin/dashboard/sessions.js';
import { checkAccess, cookieValue, isPublicPath } from '../../../../src/admin/dashboard/request-auth.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

test('sessions: sliding idle expiry, bounded count (least recently used goes), end', () => {
  const clock = new FakeClock();
  const store = new SessionStore(clock, { idleMs: 1000, max: 2 });
  const a = store.create();
  assert.notEqual(a.id, a.csrf);
  assert.ok(a.id.length >= 40, 'a 256-bit random id');
  clock.advance(900);
  assert.equal(store.get(a.id), a, 'used within the idle time');
  clock.advance(900);
  assert.equal(store.get(a.id), a, 'the idle time started again at the last use');
  clock.advance(1000);
  assert.equal(store.get(a.id), undefined, 'idle too long');
  const b = store.create();
  const c = store.create();
  store.get(b.id); // b is now the most recently used
  const d = store.create();
  assert.equal(store.size, 2);
  assert.equal(store.get(c.id), undefined, 'the least recently used was dropped');
  assert.ok(store.get(b.id) && store.get(d.id));
  store.end(d.id);
  assert.equal(store.get(d.id), undefined);
  assert.equal(store.get(undefined), undefined);
  assert.equal(store.get('nope'), undefined);
  assert.ok(store.checkCsrf(b, b.csrf));
  assert.ok(!store.checkCsrf(b, undefined));
  assert.ok(!store.checkCsrf(b, `${b.csrf}x`));
  assert.ok(!store.checkCsrf(b, d.csrf));
});

test('cookieValue and public paths', () => {
  assert.equal(cookieValue('a=1; lb_session=xyz; b=2', 'lb_session'), 'xyz');
  assert.equal(cookieValue('lb_sessionx=1', 'lb_session'), undefined);
  assert.equal(cookieValue(undefined, 'lb_session'), undefined);
  for (const [m, p, want] of [
    ['GET', '/', true],
    ['GET', '/ui/app.js', true],
    ['HEAD', '/index.html', true],
    ['POST', '/api/session', true],
    ['GET', '/api/events', false],
    ['GET', '/api/status', false],
    ['POST', '/', false],
    ['GET', '/metrics', false],
  ] as const)
    assert.equal(isPublicPath(m, p), want, `${m} ${p}`);
});

test('checkAccess: token, session cookie, CSRF on changes, Origin', () => {
  const clock = new FakeClock();
  const store = new SessionStore(clock);
  const s = store.create();
  const host = '127.0.0.1:9000';
  const check = (method: string, path: string, headers: Record<string, string>, token: string | null = 'tok') =>
    checkAccess({ headers: { host, ...headers } }, method, path, token ?? undefined, store).ok;
  assert.ok(check('GET', '/api/status', {}, null), 'no token configured: open (loopback only)');
  assert.ok(!check('GET', '/api/status', {}), 'no credentials');
  assert.ok(check('GET', '/', {}), 'the page itself is public');
  assert.ok(check('GET', '/api/status', { authorization: 'Bearer tok' }));
  assert.ok(!check('GET', '/api/status', { authorization: 'Bearer nope' }));
  assert.ok(
    !check('GET', '/api/status', { authorization: 'Bearer nope', cookie: `lb_session=${s.id}` }),
    'a wrong token is not rescued by a cookie',
  );
  assert.ok(
    check('PATCH', '/api/pools/p/targets/t', { authorization: 'Bearer tok' }),
    'a header token needs no CSRF token',
  );
  const cookie = `lb_session=${s.id}`;
  assert.ok(check('GET', '/api/events', { cookie }));
  assert.ok(!check('GET', '/api/events', { cookie: 'lb_session=forged' }));
  assert.ok(!check('PATCH', '/api/pools/p/targets/t', { cookie }), 'a change by cookie needs the CSRF token');
  assert.ok(!check('PATCH', '/api/pools/p/targets/t', { cookie, 'x-csrf-token': 'wrong' }));
  assert.ok(check('PATCH', '/api/pools/p/targets/t', { cookie, 'x-csrf-token': s.csrf }));
  assert.ok(check('PATCH', '/api/pools/p/targets/t', { cookie, 'x-csrf-token': s.csrf, origin: `http://${host}` }));
  assert.ok(
    !check('PATCH', '/api/pools/p/targets/t', { cookie, 'x-csrf-token': s.csrf, origin: 'http://evil.example' }),
    'another origin is refused even with the right CSRF token',
  );
});
