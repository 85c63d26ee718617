import { LbError } from '../../core/errors.js';
import { errorBody } from '../http-io.js';
import type { Route } from '../router.js';

export const upgradeRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/upgrade',
    handle: async (_req, ctx) => {
      const upgrade = ctx.program?.upgrade;
      if (!upgrade)
        throw new LbError(
          'LB_ERR_UPGRADE_UNAVAILABLE',
          'no supervisor to upgrade with: the program was started with LB_SUPERVISOR=0',
        );
      const r = await upgrade();
      if (r.ok) return { json: { upgrade: r } };
      return {
        status: 500,
        json: { ...errorBody('LB_ERR_UPGRADE_FAILED', r.error ?? 'the upgrade failed'), upgrade: r },
      };
    },
  },
];
