import type { Route } from '../router.js';
import { statusView } from '../runtime-view.js';

export const statusRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/status',
    handle: (_req, ctx) => ({
      json: {
        ...statusView(ctx.app, {
          now: ctx.clock.now(),
          startedAt: ctx.startedAt,
          // The config the process started with is version 1 (also without a reloader).
          version: ctx.reloader?.version ?? 1,
          lastReload: ctx.reloader?.last,
        }),
        ...(ctx.app.relayStatus ? { relay: ctx.app.relayStatus() } : {}),
        ...(ctx.workers ? { workers: ctx.workers() } : {}),
      },
    }),
  },
];
