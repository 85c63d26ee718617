import { parseArgs } from 'node:util';
import { int } from '../options.js';

export interface DashboardBenchOptions {
  readonly pools: number;
  /** Targets per pool. */
  readonly targets: number;
  /** Idle connections held through the balancer. */
  readonly connections: number;
  /** Short connections a second, spread over every pool (so that the stats have something to say). */
  readonly churn: number;
  /** Length of each measured phase. */
  readonly seconds: number;
  readonly workers: number | undefined;
  readonly json: string | undefined;
  readonly help: boolean;
}

export const DASHBOARD_USAGE = `npm run bench:dashboard -- [options]

The dashboard at scale (issue 11): our balancer with POOLS pools of TARGETS targets (a listener
per pool), CONNECTIONS idle connections held through it and CHURN short connections a second over
every pool; then SECONDS seconds each of: no dashboard, one event stream (GET /api/events read by
a plain client), and the dashboard page open in chromium. Prints the balancer's CPU in each phase,
the bytes the stream sends a second and the size of its events, the time the page takes to show
every target, and the browser's CPU with the page open.

  --quick              a seconds-long smoke: 5 pools x 4 targets, 200 connections, 2 s phases
  --pools N            pools, one listener each (default 50)
  --targets N          targets per pool (default 20)
  --connections N      idle connections held (default 10000; fewer when the open-file limit
                       cannot hold them in one process: use --workers 2 for 10,000 here)
  --churn N            short connections a second over all pools (default 200)
  --seconds S          length of each measured phase (default 10)
  --workers N          run the balancer with --workers N
  --json FILE          also write the results as JSON
  -h, --help`;

export function parseDashboardOptions(argv: readonly string[]): DashboardBenchOptions {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      pools: { type: 'string' },
      targets: { type: 'string' },
      connections: { type: 'string' },
      churn: { type: 'string' },
      seconds: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const q = v.quick;
  return {
    pools: int('--pools', v.pools, q ? 5 : 50, 1),
    targets: int('--targets', v.targets, q ? 4 : 20, 1),
    connections: int('--connections', v.connections, q ? 200 : 10_000, 0),
    churn: int('--churn', v.churn, q ? 20 : 200, 0),
    seconds: int('--seconds', v.seconds, q ? 2 : 10, 1),
    workers: v.workers === undefined ? undefined : int('--workers', v.workers, 1, 1),
    json: v.json,
    help: v.help,
  };
}
