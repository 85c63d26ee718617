import type { Route } from '../router.js';

/** GET /api: the list of endpoints, so that a lost user (or a 404 message) has somewhere to look. */
export const indexRoute = (all: () => readonly Route[]): Route => ({
  method: 'GET',
  path: '/api',
  handle: () => ({
    json: {
      endpoints: all()
        .filter((r) => r.unlisted !== true)
        .map((r) => `${r.method} ${r.path}`),
    },
  }),
});
