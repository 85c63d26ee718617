import { LbError } from '../../core/errors.js';
import { errorBody } from '../http-io.js';
import type { Route } from '../router.js';

export const reloadRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/reload',
    handle: async (_req, ctx) => {
      if (!ctx.reloader)
        throw new LbError(
          'LB_ERR_RELOAD_UNAVAILABLE',
          'nothing to reload: the process was started from command-line flags, not from a config file (--config)',
        );
      const r = await ctx.reloader.reload('api');
      if (r.ok) return { json: { reload: r } };
      const message = `the new config was refused and version ${r.version} keeps running: ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}${r.issues[0] ? `, first: ${r.issues[0]}` : ''}`;
      return {
        status: 422,
        json: { ...errorBody('LB_ERR_CONFIG_INVALID', message, { issues: r.issues }), reload: r },
      };
    },
  },
];
