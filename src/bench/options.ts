import { parseArgs } from 'node:util';
import type { Timing } from './workload.js';

export const WORKLOAD_IDS = ['conn', 'keepalive', 'bulk-up', 'bulk-down', 'idle', 'slow', 'udp'] as const;
export const SYSTEM_IDS = ['direct', 'haproxy', 'nginx', 'lb'] as const;
export const ACCEPT_MODES = ['none', 'rr', 'reuseport'] as const;

export interface BenchOptions {
  readonly runs: number;
  readonly timing: Timing;
  readonly workloads: readonly string[];
  readonly systems: readonly string[];
  /** Node binaries to run our balancer on (compared side by side). */
  readonly nodes: readonly string[];
  /** Built CLIs to bench, `name=path` or a path (compare builds side by side). */
  readonly mains: readonly { name: string | undefined; path: string; args: readonly string[] }[];
  readonly workers: string | undefined;
  /** Cluster accept modes to compare (LB_CLUSTER_ACCEPT, src/cluster/accept-mode.ts); empty: the default. */
  readonly accept: readonly string[];
  readonly accessLog: boolean;
  readonly proxyCpu: number | undefined;
  readonly loadCpu: number | undefined;
  readonly json: string | undefined;
  readonly quick: boolean;
  readonly help: boolean;
}

export const USAGE = `npm run bench -- [options]

Runs our balancer, HAProxy (mode tcp) and nginx (stream) side by side with equivalent round-robin
configs, proxies pinned to one CPU and the load (wrk, iperf3, backends) to another, and prints a
table of absolute figures and ratios to HAProxy and to a direct connection.

  --quick                 a seconds-long smoke: 1 run, 1 s loads, 200 idle connections
  --runs N                runs of each workload per system, interleaved (default 3)
  --duration S            seconds of each measured load run (default 5)
  --warmup S              unmeasured seconds of load before each (default 1)
  --idle-connections N    idle connections per proxy for the memory figure (default 10000)
  --workloads LIST        ${WORKLOAD_IDS.join(',')} (default: all)
  --systems LIST          ${SYSTEM_IDS.join(',')} (default: all)
  --node PATH             Node binary for our balancer; repeat to compare several
                          (default: this node; env LB_BENCH_NODE=path[:path...])
  --lb '[NAME=]PATH [FLAGS]'  a built dist/main.js to bench, with extra CLI flags; repeat to compare
                          builds or flags (default: ours, as started with no flags), e.g.
                          --lb 'node-accept=dist/main.js --no-native-accept'
  --workers N             passed to our balancer as --workers N, and to HAProxy as nbthread N; with
                          more than one, the proxies are not pinned unless --proxy-cpu is given,
                          and the figures include how the connections spread over the workers
  --accept LIST           with --workers: compare the ways workers share accepts, ${ACCEPT_MODES.join(',')}
                          (LB_CLUSTER_ACCEPT; reuseport needs Node >= 22.12, see --node)
  --no-access-log         no access log anywhere (default: one line per connection to /dev/null
                          for every proxy)
  --proxy-cpu N           CPU for the proxies (default 0)
  --load-cpu N            CPU for load generators and backends (default 1)
  --json FILE             also write the results as JSON
  -h, --help`;

/** A number option (`v` as given) of at least `min`; `dflt` when absent. */
export const int = (name: string, v: string | undefined, dflt: number, min: number): number => {
  if (v === undefined) return dflt;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < min) throw new Error(`${name}: "${v}" must be a number >= ${min}`);
  return Number(v);
};

/** A comma-separated `v` checked against `known` (all of them when `v` is absent). */
export const list = (name: string, v: string | undefined, known: readonly string[]): readonly string[] => {
  if (v === undefined) return known;
  const items = v.split(',').filter(Boolean);
  const bad = items.find((i) => !known.includes(i));
  if (bad !== undefined) throw new Error(`${name}: unknown "${bad}" (choose from ${known.join(', ')})`);
  return items;
};

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv, cpus: number): BenchOptions {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'idle-connections': { type: 'string' },
      workloads: { type: 'string' },
      systems: { type: 'string' },
      node: { type: 'string', multiple: true },
      lb: { type: 'string', multiple: true },
      workers: { type: 'string' },
      accept: { type: 'string' },
      'no-access-log': { type: 'boolean', default: false },
      'proxy-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = v.quick;
  const pinned = cpus >= 2;
  const envNodes = env.LB_BENCH_NODE?.split(':').filter(Boolean);
  // Several workers are there to use several CPUs: pinning them all to one would measure nothing.
  const multi = v.workers !== undefined && v.workers !== '1';
  const proxyPinned = pinned && (!multi || v['proxy-cpu'] !== undefined);
  return {
    quick,
    help: v.help,
    runs: int('--runs', v.runs, quick ? 1 : 3, 1),
    timing: {
      seconds: int('--duration', v.duration, quick ? 1 : 5, 1),
      warmSeconds: int('--warmup', v.warmup, quick ? 0 : 1, 0),
      idleConnections: int('--idle-connections', v['idle-connections'], quick ? 200 : 10_000, 1),
      wrkConnectionsClose: 32,
      wrkConnectionsKeepAlive: 64,
    },
    workloads: list('--workloads', v.workloads, WORKLOAD_IDS),
    systems: list('--systems', v.systems, SYSTEM_IDS),
    nodes: v.node ?? envNodes ?? [process.execPath],
    mains: (v.lb ?? []).map((s) => {
      const eq = s.indexOf('=');
      const [path = '', ...args] = (eq > 0 ? s.slice(eq + 1) : s).trim().split(/\s+/);
      return { name: eq > 0 ? s.slice(0, eq) : undefined, path, args };
    }),
    workers: v.workers,
    accept: v.accept === undefined ? [] : list('--accept', v.accept, ACCEPT_MODES),
    accessLog: !v['no-access-log'],
    proxyCpu: proxyPinned ? int('--proxy-cpu', v['proxy-cpu'], 0, 0) : undefined,
    loadCpu: pinned ? int('--load-cpu', v['load-cpu'], 1, 0) : undefined,
    json: v.json,
  };
}
