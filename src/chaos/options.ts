import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { list } from '../bench/options.js';

export const SCENARIO_IDS = [
  'churn-close',
  'churn-keepalive',
  'flip',
  'reload-storm',
  'idle-slowloris',
  'fd-exhaustion',
  'floods',
  'worker-kill',
  'soak',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];
export const SYSTEM_IDS = ['lb', 'haproxy'] as const;

/** Sizes of every scenario: one place decides how long and how big a run is. */
export interface Scale {
  /** Seconds of each load phase (churn, reload storm, keep-alive latency samples). */
  readonly loadSeconds: number;
  /** Seconds of the soak. */
  readonly soakSeconds: number;
  /** Concurrent clients of the load loops (wrk -c32). */
  readonly concurrency: number;
  /** Idle clients held open, before the open-file limit scales it down. */
  readonly idleClients: number;
  readonly slowlorisClients: number;
  /** Clients against the proxy limited to 256 descriptors. */
  readonly fdClients: number;
  /** Connections of each flood (malformed PROXY headers, ClientHellos, admin requests). */
  readonly floodConnections: number;
  /** Echo streams (SHA-256 checked) and the bytes each one sends. */
  readonly streams: number;
  readonly streamBytes: number;
  /** Reloads of the storm (at most: the storm ends with the load). */
  readonly reloads: number;
}

export interface ChaosOptions {
  readonly short: boolean;
  readonly scale: Scale;
  readonly only: readonly ScenarioId[];
  readonly systems: readonly string[];
  readonly json: string | undefined;
  readonly help: boolean;
  /** Times every scenario runs on each system, interleaved (the order of the systems alternates). */
  readonly runs: number;
  /**
   * CPU of the proxies, and of this tool (its clients and backends), as in `npm run bench`: on a
   * shared machine a closed-loop client and the proxy otherwise steal each other's core, and the
   * request rates (hence errors per 10k) swing by 15% either way from run to run. Undefined: unpinned
   * (one CPU, or --no-pin). Several workers are never pinned to one CPU.
   */
  readonly pin: { readonly proxyCpu: number; readonly loadCpu: number } | undefined;
}

export const USAGE = `npm run chaos -- [options]

Puts our balancer and HAProxy 2.6 (mode tcp, retries 2, option redispatch, check inter 2s fall 3
rise 2; when installed) through the same faults on 127.0.0.1, one after the other, and prints a
table: errors per 10,000 requests, bytes intact, requests failed, recovery time, and the proxy's
memory and descriptors before and after. See docs/reliability.md.

  --short              every scenario, briefly (about a minute in all; for CI: figures not meaningful)
  --only LIST          scenarios to run, comma-separated (default: all):
                       ${SCENARIO_IDS.join(', ')}
  --systems LIST       ${SYSTEM_IDS.join(',')} (default: both; HAProxy is left out when not installed)
  --duration S         seconds of each load phase (default 10, --short 1); the soak lasts 6x
  --runs N             run everything N times, the systems' order alternating, and print the
                       median (min–max) of requests, failures and errors per 10k over the runs
                       before each run's table (default 1)
  --json FILE          also write the results as JSON
  --no-pin             do not pin (default on 2+ CPUs: the proxy on CPU 0, this tool with its
                       clients and backends on CPU 1, as npm run bench does; --workers 2 unpinned)
  -h, --help`;

const FULL: Scale = {
  loadSeconds: 10,
  soakSeconds: 60,
  concurrency: 32,
  idleClients: 9000,
  slowlorisClients: 200,
  fdClients: 400,
  floodConnections: 5000,
  streams: 4,
  streamBytes: 40 * 2 ** 20,
  reloads: 100,
};

const SHORT: Scale = {
  loadSeconds: 1,
  soakSeconds: 1.5,
  concurrency: 16,
  idleClients: 300,
  slowlorisClients: 20,
  fdClients: 400,
  floodConnections: 60,
  streams: 2,
  streamBytes: 2 * 2 ** 20,
  reloads: 5,
};

export function parseOptions(argv: readonly string[]): ChaosOptions {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      short: { type: 'boolean', default: false },
      only: { type: 'string' },
      systems: { type: 'string' },
      duration: { type: 'string' },
      json: { type: 'string' },
      runs: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const base = v.short ? SHORT : FULL;
  let scale = base;
  if (v.duration !== undefined) {
    const s = Number(v.duration);
    if (!/^\d+(\.\d+)?$/.test(v.duration) || s < 1) throw new Error(`--duration: "${v.duration}" must be >= 1`);
    // Streams and reloads keep their rate: streams must outlast the storm, not finish before it.
    const rate = base.streamBytes / base.loadSeconds;
    const reloadRate = base.reloads / base.loadSeconds;
    scale = {
      ...base,
      loadSeconds: s,
      soakSeconds: 6 * s,
      streamBytes: Math.round(rate * s),
      reloads: Math.max(1, Math.round(reloadRate * s)),
    };
  }
  return {
    short: v.short,
    scale,
    only: list('--only', v.only, SCENARIO_IDS) as readonly ScenarioId[],
    systems: list('--systems', v.systems, SYSTEM_IDS),
    json: v.json,
    help: v.help,
    runs: runsOption(v.runs),
    pin: v['no-pin'] || availableParallelism() < 2 ? undefined : { proxyCpu: 0, loadCpu: 1 },
  };
}

function runsOption(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 20)
    throw new Error(`--runs: "${v}" must be an integer from 1 to 20`);
  return Number(v);
}
