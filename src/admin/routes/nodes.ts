import type { Route } from '../router.js';

/** GET /api/nodes: the live nodes of this node's fleet, and where their configs differ. */
export const nodeRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/nodes',
    handle: (_req, ctx) => {
      const nodes = ctx.shared?.nodes();
      if (!nodes)
        return {
          json: {
            self: null,
            nodes: [],
            configHashes: {},
            sameConfig: true,
            fleet: null,
            note: 'not in a fleet (no fleet key in the config)',
          },
        };
      return { json: { ...nodes, fleet: ctx.shared?.fleetStatus() } };
    },
  },
];
