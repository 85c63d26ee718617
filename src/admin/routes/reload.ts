import { LbError } from '../../core/errors.js';
import type { ReloadControl } from '../../control/reload-result.js';
import type { AdminContext } from '../context.js';
import { errorBody } from '../http-io.js';
import type { Route } from '../router.js';

/** The reloader, or a 409 when the process has nothing to reload from. */
export function reloaderOf(ctx: AdminContext): ReloadControl {
  if (ctx.reloader) return ctx.reloader;
  throw new LbError(
    'LB_ERR_RELOAD_UNAVAILABLE',
    'nothing to reload: the process was started from command-line flags, not from a config file (--config)',
  );
}

/** `2 problems, first: lb.yaml:4:3 …` */
export const problemCount = (issues: readonly string[]): string =>
  `${issues.length} problem${issues.length === 1 ? '' : 's'}${issues[0] ? `, first: ${issues[0]}` : ''}`;

export const reloadRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/reload',
    handle: async (_req, ctx) => {
      const r = await reloaderOf(ctx).reload('api');
      if (r.ok) return { json: { reload: r } };
      const message = `the new config was refused and version ${r.version} keeps running: ${problemCount(r.issues)}`;
      return {
        status: 422,
        json: { ...errorBody('LB_ERR_CONFIG_INVALID', message, { issues: r.issues }), reload: r },
      };
    },
  },
];
