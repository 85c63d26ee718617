import assert from 'node:assert/strict';
import { startCli, type RunningCli } from './cli.js';
import { http } from './http.js';
import { open } from './named-echo.js';
import { eventually } from './net.js';

export interface WorkerStatus {
  readonly id: number;
  readonly pid: number | null;
  readonly state: string;
  readonly restarts: number;
  readonly activeConnections: number;
  readonly totalConnections: number;
  readonly relay: { mode: string; reason: string; nativeConnections: number } | null;
}

export interface ClusterStatus {
  readonly workers: WorkerStatus[];
  readonly listeners: { name: string; activeConnections: number; totalConnections: number }[];
  readonly pools: {
    name: string;
    targets: { address: string; health: string; totalConnections: number; bytesFromClient: number }[];
  }[];
}

export type AccessLine = { pid: number; worker: number; access: Record<string, unknown> };

export interface RunningCluster extends RunningCli {
  /** Base URL of the admin API. */
  readonly admin: string;
  status(): Promise<ClusterStatus>;
  metrics(): Promise<string>;
  /** Access-log lines (the workers write them, with their pid). */
  accessLines(): AccessLine[];
}

/** The built CLI with `--workers N`, an admin API and JSON logs; a loaded machine may take seconds. */
export function startCluster(args: readonly string[], workers = 2, env?: NodeJS.ProcessEnv): Promise<RunningCluster> {
  return clusterFrom([...args, '--workers', String(workers), '--admin', '127.0.0.1:0', '--log-format', 'json'], env);
}

/** The built CLI with arguments that start a cluster with an admin API (a config file that says so). */
export async function clusterFrom(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunningCluster> {
  const cli = await startCli(args, { timeoutMs: 90_000, env });
  const admin = /Admin API listening on (\S+)/.exec(cli.stdout())?.[1];
  if (!admin) {
    await cli.stop('SIGKILL');
    throw new Error(`no admin URL in: ${cli.stdout()}`);
  }
  return {
    ...cli,
    admin,
    status: async () => (await http(`${admin}/api/status`)).json as ClusterStatus,
    metrics: async () => (await http(`${admin}/metrics`)).text,
    accessLines: () =>
      cli
        .logs()
        .filter((l) => l.component === 'access' && typeof l.access === 'object')
        .map((l) => l as AccessLine),
  };
}

/**
 * Makes `n` connections at once through a balancer in front of named-echo backends and returns
 * the access-log lines of exactly those (matched by client port), once all are written.
 */
export async function connectionsThrough(lb: RunningCluster, n: number): Promise<AccessLine[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => open(lb.port)));
  const ports = new Set(conns.map((c) => c.sock.localPort!));
  await Promise.all(conns.map((c) => c.close()));
  const mine = (): AccessLine[] => lb.accessLines().filter((l) => ports.has(Number(l.access.clientPort)));
  return eventually(() => (mine().length === n ? mine() : undefined), 10_000, 'their access lines');
}

/**
 * Makes connections in batches until every worker has served at least `perWorker` of them;
 * returns the targets each worker chose, by pid.
 */
export async function servedByEachWorker(lb: RunningCluster, perWorker = 4): Promise<Map<number, string[]>> {
  const pids = (await lb.status()).workers.map((w) => w.pid!);
  const byPid = new Map<number, string[]>(pids.map((p) => [p, []]));
  return eventually(
    async () => {
      for (const l of await connectionsThrough(lb, 8)) byPid.get(l.pid)?.push(String(l.access.target));
      return [...byPid.values()].every((t) => t.length >= perWorker) ? byPid : undefined;
    },
    60_000,
    `${perWorker} connections on each worker`,
  );
}

/** Asserts that every worker balances over exactly the targets `want` (addresses). */
export async function everyWorkerUses(lb: RunningCluster, want: readonly string[]): Promise<void> {
  for (const [pid, targets] of await servedByEachWorker(lb))
    assert.deepEqual([...new Set(targets)].sort(), [...want].sort(), `targets of worker ${pid}`);
}
