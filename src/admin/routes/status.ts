import type { AdminContext } from '../context.js';
import type { Route } from '../router.js';
import { statusView } from '../runtime-view.js';

/** Discovery sources (state, error, age) and this node's part in the fleet, when configured. */
function sharedStatus(ctx: AdminContext): Record<string, unknown> {
  const sources = ctx.shared?.discoveryStatus() ?? [];
  const fleet = ctx.shared?.fleetStatus();
  return { ...(sources.length ? { discovery: sources } : {}), ...(fleet ? { fleet } : {}) };
}

/** What GET /api/status answers (the dashboard's snapshot holds it too). */
export const statusDocument = (ctx: AdminContext) => ({
  generation: ctx.program?.generation ?? 1,
  version: ctx.program?.version ?? null,
  ...statusView(ctx.app, {
    now: ctx.clock.now(),
    startedAt: ctx.startedAt,
    // The config the process started with is version 1 (also without a reloader).
    version: ctx.reloader?.version ?? 1,
    lastReload: ctx.reloader?.last,
  }),
  ...(ctx.app.relayStatus ? { relay: ctx.app.relayStatus() } : {}),
  ...(ctx.workers ? { workers: ctx.workers() } : {}),
  ...sharedStatus(ctx),
});

export const statusRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/status',
    handle: (_req, ctx) => ({ json: statusDocument(ctx) }),
  },
];
