import { diffConfigs } from '../../config/diff.js';
import { diffLines } from '../../config/diff-text.js';
import { changedAtRuntime } from '../runtime-view.js';
import { errorBody } from '../http-io.js';
import type { Route } from '../router.js';
import { problemCount, reloaderOf } from './reload.js';

/**
 * GET /api/config/diff: reads the config source as a reload would (same file, same checks) and
 * answers what applying it would change against the running config, without applying anything.
 */
export const configDiffRoute: Route = {
  method: 'GET',
  path: '/api/config/diff',
  handle: async (_req, ctx) => {
    const reloader = reloaderOf(ctx);
    const version = reloader.version;
    const next = await reloader.readNext();
    if (!next.ok) {
      const message = `a reload would refuse the config and keep version ${version}: ${problemCount(next.issues)}`;
      return { status: 422, json: errorBody('LB_ERR_CONFIG_INVALID', message, { issues: next.issues }) };
    }
    const diff = diffConfigs(ctx.app.config, next.config);
    const lines = diffLines(diff);
    // Targets and weights changed through the API: a reload resets them even when the file did not change.
    const resetsRuntimeChanges = Object.keys(ctx.app.store.snapshot().pools).filter(
      (name) => name in next.config.pools && changedAtRuntime(ctx.app, name),
    );
    return { json: { version, changes: lines.length, lines, diff, resetsRuntimeChanges } };
  },
};
