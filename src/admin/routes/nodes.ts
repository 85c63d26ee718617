import { LbError } from '../../core/errors.js';
import type { Route } from '../router.js';

/** GET /api/nodes: the live nodes of this node's fleet, and where their configs differ. */
export const nodeRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/nodes',
    handle: (_req, ctx) => {
      const nodes = ctx.shared?.nodes();
      if (!nodes) throw new LbError('LB_ERR_NOT_FOUND', 'this node is not in a fleet (no fleet key in its config)');
      return { json: { ...nodes, fleet: ctx.shared?.fleetStatus() } };
    },
  },
];
