import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRoute, type Route } from '../../../src/admin/router.js';

const route = (method: Route['method'], path: string): Route => ({ method, path, handle: () => ({ json: path }) });
const routes = [
  route('GET', '/api/status'),
  route('POST', '/api/pools/:pool/targets'),
  route('PATCH', '/api/pools/:pool/targets/:target'),
  route('DELETE', '/api/pools/:pool/targets/:target'),
];

test('matchRoute: paths, parameters, 404 and 405', () => {
  const cases: [string, string, unknown][] = [
    ['GET', '/api/status', { path: '/api/status', params: {} }],
    ['GET', '/api/status/', { path: '/api/status', params: {} }],
    ['HEAD', '/api/status', { path: '/api/status', params: {} }],
    ['POST', '/api/pools/web/targets', { path: '/api/pools/:pool/targets', params: { pool: 'web' } }],
    [
      'PATCH',
      '/api/pools/web/targets/%5B%3A%3A1%5D%3A80',
      { path: '/api/pools/:pool/targets/:target', params: { pool: 'web', target: '[::1]:80' } },
    ],
    [
      'DELETE',
      '/api/pools/web/targets/10.0.0.1:80',
      { path: '/api/pools/:pool/targets/:target', params: { pool: 'web', target: '10.0.0.1:80' } },
    ],
    ['GET', '/api/pools/web/targets', { error: 'LB_ERR_METHOD_NOT_ALLOWED', allow: ['POST'] }],
    ['PUT', '/api/pools/web/targets/x:1', { error: 'LB_ERR_METHOD_NOT_ALLOWED', allow: ['PATCH', 'DELETE'] }],
    ['GET', '/api/nothing', { error: 'LB_ERR_NOT_FOUND' }],
    ['GET', '/api/pools/web/targets/a/b', { error: 'LB_ERR_NOT_FOUND' }],
    ['DELETE', '/api/pools/web/targets/%E0%A4%A', { error: 'LB_ERR_BAD_REQUEST' }],
  ];
  for (const [method, path, want] of cases) {
    const m = matchRoute(routes, method, path);
    const got =
      'route' in m
        ? { path: m.route.path, params: m.params }
        : { error: m.error, ...(m.allow ? { allow: m.allow } : {}) };
    assert.deepEqual(got, want, `${method} ${path}`);
  }
});
