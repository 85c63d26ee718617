import type { Route } from '../router.js';
import { configAsInput } from '../config-view.js';

export const configRoutes: readonly Route[] = [
  { method: 'GET', path: '/api/config', handle: (_req, ctx) => ({ json: configAsInput(ctx.app.config ?? null) }) },
];
