import { LbError } from '../../core/errors.js';
import type { Route } from '../router.js';

export const metricsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/metrics',
    handle: async (_req, ctx) => {
      if (!ctx.metrics) throw new LbError('LB_ERR_NOT_FOUND', 'metrics are not enabled in this process');
      return { text: await ctx.metrics.text(), contentType: ctx.metrics.contentType };
    },
  },
];
