import type { Route } from '../router.js';
import { configAsInput } from '../config-view.js';
import { configDiffRoute } from './config-diff.js';

export const configRoutes: readonly Route[] = [
  { method: 'GET', path: '/api/config', handle: (_req, ctx) => ({ json: configAsInput(ctx.app.config ?? null) }) },
  configDiffRoute,
];
