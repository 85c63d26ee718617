import { LbError } from '../../core/errors.js';
import type { AdminContext } from '../context.js';
import type { Route } from '../router.js';
import { poolView, poolsView } from '../runtime-view.js';

/** The name of a pool the store has, or a 404 naming the ones it has. */
export function findPool(ctx: AdminContext, name: string): string {
  if (ctx.app.store.pool(name)) return name;
  const known = Object.keys(ctx.app.store.snapshot().pools);
  throw new LbError('LB_ERR_NOT_FOUND', `unknown pool "${name}"${known.length ? ` (pools: ${known.join(', ')})` : ''}`);
}

export const poolRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/pools',
    handle: (_req, ctx) => ({ json: poolsView(ctx.app) }),
  },
  {
    method: 'GET',
    path: '/api/pools/:pool',
    handle: (req, ctx) => ({ json: poolView(ctx.app, findPool(ctx, req.params.pool!), ctx.app.traffic()) }),
  },
];
