import type { AdminContext } from '../context.js';
import type { Route } from '../router.js';
import { statusView } from '../runtime-view.js';

/** Discovery sources (state, error, age) and this node's part in the fleet, when configured. */
function sharedStatus(ctx: AdminContext): Record<string, unknown> {
  const sources = ctx.shared?.discoveryStatus() ?? [];
  const fleet = ctx.shared?.fleetStatus();
  return { ...(sources.length ? { discovery: sources } : {}), ...(fleet ? { fleet } : {}) };
}

/**
 * In a fleet, each target also says what the other nodes' checks see (`fleetHealth`: node →
 * health); health stays each node's own, this is only shown.
 */
function withFleetHealth<P extends { name: string; targets: { address: string }[] }>(ctx: AdminContext, pools: P[]) {
  const others = ctx.shared?.othersHealth();
  if (!others) return pools;
  return pools.map((p) => ({
    ...p,
    targets: p.targets.map((t) => ({ ...t, fleetHealth: others.get(p.name)?.get(t.address) ?? {} })),
  }));
}

/** What GET /api/status answers (the dashboard's snapshot holds it too). */
export const statusDocument = (ctx: AdminContext) => {
  const view = statusView(ctx.app, {
    now: ctx.clock.now(),
    startedAt: ctx.startedAt,
    // The config the process started with is version 1 (also without a reloader).
    version: ctx.reloader?.version ?? 1,
    lastReload: ctx.reloader?.last,
  });
  return {
    generation: ctx.program?.generation ?? 1,
    version: ctx.program?.version ?? null,
    ...view,
    pools: withFleetHealth(ctx, view.pools),
    ...(ctx.app.relayStatus ? { relay: ctx.app.relayStatus() } : {}),
    ...(ctx.app.descriptors ? { descriptors: ctx.app.descriptors() } : {}),
    ...(ctx.workers ? { workers: ctx.workers() } : {}),
    ...sharedStatus(ctx),
  };
};

export const statusRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/status',
    handle: (_req, ctx) => ({ json: statusDocument(ctx) }),
  },
];
