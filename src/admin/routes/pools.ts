import { LbError } from '../../core/errors.js';
import type { PoolRuntime } from '../../pool/pool-runtime.js';
import type { AdminContext } from '../context.js';
import type { Route } from '../router.js';
import { changedAtRuntime, openBytesOf, poolView } from '../runtime-view.js';

export function findPool(ctx: AdminContext, name: string): PoolRuntime {
  const rt = ctx.app.pools().get(name);
  if (rt) return rt;
  const known = [...ctx.app.pools().keys()];
  throw new LbError('LB_ERR_NOT_FOUND', `unknown pool "${name}"${known.length ? ` (pools: ${known.join(', ')})` : ''}`);
}

export const poolRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/pools',
    handle: (_req, ctx) => {
      const open = openBytesOf(ctx.app);
      return { json: [...ctx.app.pools().values()].map((p) => poolView(p, open, changedAtRuntime(ctx.app, p.name))) };
    },
  },
  {
    method: 'GET',
    path: '/api/pools/:pool',
    handle: (req, ctx) => {
      const rt = findPool(ctx, req.params.pool!);
      return { json: poolView(rt, openBytesOf(ctx.app), changedAtRuntime(ctx.app, rt.name)) };
    },
  },
];
