import type { Backends } from './backends.js';
import { treeUsage, type ProcUnits, type Usage } from './proc-stats.js';
import type { ProcessSet } from './procs.js';
import type { Protocol, Running, System } from './systems.js';

export type Need = 'wrk' | 'iperf3' | 'big' | 'dnsmasq';

export interface Figure {
  readonly metric: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly value: number;
  /** Ratios are shown only for figures where they mean something (not for values near zero). */
  readonly ratio?: boolean;
}

export interface Timing {
  /** Seconds of each measured load run. */
  readonly seconds: number;
  /** Seconds of unmeasured load before it (JIT warm-up, pools filled). */
  readonly warmSeconds: number;
  /** Idle connections to open through each proxy. */
  readonly idleConnections: number;
  readonly wrkConnectionsClose: number;
  readonly wrkConnectionsKeepAlive: number;
}

export interface WorkloadContext {
  readonly procs: ProcessSet;
  readonly units: ProcUnits;
  readonly loadCpu: number | undefined;
  readonly backends: Backends;
  readonly timing: Timing;
  /** A line for the report's notes (a retried run…). */
  readonly note?: (line: string) => void;
}

export interface Workload {
  readonly id: string;
  readonly title: string;
  readonly needs: readonly Need[];
  /** The proxies listen for datagrams (`udp`) rather than connections. */
  readonly protocol?: Protocol;
  readonly appliesTo: (s: System) => boolean;
  /** Which backends the proxies balance over for this workload. */
  readonly upstreams: (b: Backends) => readonly number[];
  readonly maxConn: (t: Timing) => number;
  run(ctx: WorkloadContext, target: Running): Promise<Figure[]>;
}

/** Measures the proxy tree's CPU and memory around `body` (zeros for a direct connection). */
export async function measured<T>(
  ctx: WorkloadContext,
  target: Running,
  body: () => Promise<T>,
): Promise<{ result: T; before: Usage; after: Usage; cpuSec: number }> {
  const none: Usage = { cpuSec: 0, rssBytes: 0, fds: 0 };
  const usage = (): Usage => (target.pid === undefined ? none : treeUsage(target.pid, ctx.units));
  const before = usage();
  const result = await body();
  const after = usage();
  return { result, before, after, cpuSec: after.cpuSec - before.cpuSec };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
