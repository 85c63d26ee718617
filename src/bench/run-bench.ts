import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackends, type Backends } from './backends.js';
import { hasReusePort } from '../cluster/accept-mode.js';
import { machine, nodeVersion, peerVersions, which } from './env-info.js';
import type { BenchOptions } from './options.js';
import { procUnits } from './proc-stats.js';
import type { ProcessSet } from './procs.js';
import type { Report } from './report.js';
import { Results } from './results.js';
import { directSystem, haproxySystem, lbSystem, nginxSystem, type System, type SystemEnv } from './systems.js';
import { connPerRequest, keepAlive } from './workloads-http.js';
import { bulkDown, bulkUp } from './workloads-bulk.js';
import { idleMemory, slowReader } from './workloads-memory.js';
import { udpDns } from './workloads-udp.js';
import type { Need, Workload, WorkloadContext } from './workload.js';
import type { Column } from './table.js';

const ALL_WORKLOADS: readonly Workload[] = [
  connPerRequest,
  keepAlive,
  bulkUp,
  bulkDown,
  idleMemory,
  slowReader,
  udpDns,
];
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface BenchInput {
  readonly opts: BenchOptions;
  readonly procs: ProcessSet;
  readonly ourMain: string;
  readonly nofile: number;
  readonly log: (line: string) => void;
}

/** Our balancer variants: every Node binary × build × accept mode, labelled only by what differs. */
function ourVariants(
  opts: BenchOptions,
  ourMain: string,
  notes: string[],
): { id: string; label: string; node: string; main: string; args: readonly string[]; accept: string | undefined }[] {
  const mains = opts.mains.length > 0 ? opts.mains : [{ name: undefined, path: ourMain, args: [] }];
  const accepts = opts.accept.length > 0 ? opts.accept : [undefined];
  const out = [];
  for (const node of opts.nodes)
    for (const [i, m] of mains.entries())
      for (const accept of accepts) {
        const version = nodeVersion(node).split(' ')[0]!;
        if (accept === 'reuseport' && !hasReusePort(version)) {
          notes.push(`reuseport on node ${version}: skipped (needs Node >= 22.12)`);
          continue;
        }
        const parts = [
          ...(opts.nodes.length > 1 ? [`node ${version}`] : []),
          ...(mains.length > 1 ? [m.name ?? `build ${i + 1}`] : []),
          ...(accept !== undefined ? [accept] : []),
        ];
        const suffix = parts.join(', ');
        out.push({
          id: parts.length ? `lb (${suffix})` : 'lb',
          label: parts.length ? `ours (${suffix})` : 'ours',
          node,
          main: m.path,
          args: m.args,
          accept,
        });
      }
  return out;
}

export async function runBench(input: BenchInput): Promise<Report> {
  const { opts, procs, log } = input;
  const notes: string[] = [];
  const startedAt = new Date().toISOString();
  const atStart = machine();
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-'));
  try {
    const haproxy = which('haproxy');
    const nginx = which('nginx');
    const dnsmasq = opts.workloads.includes('udp') ? which('dnsmasq') : undefined;
    const have: Record<Need, boolean> = {
      wrk: which('wrk') !== undefined,
      iperf3: which('iperf3') !== undefined,
      big: false,
      dnsmasq: dnsmasq !== undefined,
    };
    const tools: [string, unknown][] = [
      ['haproxy', haproxy],
      ['nginx', nginx],
      ['wrk', have.wrk],
      ['iperf3', have.iperf3],
    ];
    if (opts.workloads.includes('udp')) tools.push(['dnsmasq', dnsmasq]);
    for (const [tool, ok] of tools)
      if (!ok)
        notes.push(
          `${tool} is not installed: skipped (apt-get install haproxy nginx libnginx-mod-stream wrk iperf3 dnsmasq-base)`,
        );
    // --workers N: HAProxy gets as many threads (nbthread N), the multi-core comparison of issue 15.
    const threads = opts.workers === 'auto' ? availableParallelism() : Number(opts.workers ?? 1) || 1;
    const env: SystemEnv = {
      procs,
      dir,
      proxyCpu: opts.proxyCpu,
      nofile: input.nofile,
      accessLog: opts.accessLog,
      threads,
    };
    const variants = ourVariants(opts, input.ourMain, notes);
    const systems: System[] = [];
    const want = (id: string): boolean => opts.systems.includes(id);
    if (want('direct')) systems.push(directSystem);
    if (want('haproxy') && haproxy) systems.push(haproxySystem(env, haproxy));
    const streamModule = existsSync(STREAM_MODULE) ? STREAM_MODULE : undefined;
    if (want('nginx') && nginx) systems.push(nginxSystem(env, nginx, streamModule));
    if (want('lb')) for (const v of variants) systems.push(lbSystem(env, { ...v, workers: opts.workers }));
    const timing = { ...opts.timing };
    const maxIdle = Math.floor((input.nofile - 200) / 2);
    if (timing.idleConnections > maxIdle) {
      notes.push(
        `idle connections: ${maxIdle} instead of ${timing.idleConnections}: a proxied connection takes 2 descriptors ` +
          `and the open-file limit is ${input.nofile} per process (it cannot be raised here)`,
      );
      timing.idleConnections = maxIdle;
    }
    const backends: Backends = await startBackends(
      {
        procs,
        dir,
        loadCpu: opts.loadCpu,
        nofile: input.nofile,
        nginx,
        iperf3: have.iperf3,
        dnsmasq,
        lbMain: input.ourMain,
      },
      2,
    );
    have.big = backends.big;
    const ctx: WorkloadContext = {
      procs,
      units: procUnits(),
      loadCpu: opts.loadCpu,
      backends,
      timing,
      note: (line) => notes.push(line),
    };
    const results = new Results();
    for (const w of ALL_WORKLOADS.filter((x) => opts.workloads.includes(x.id))) {
      const missing = w.needs.filter((n) => !have[n]);
      if (missing.length > 0) {
        notes.push(`${w.id}: skipped (${missing.join(', ')} missing)`);
        continue;
      }
      const targets = systems.filter((s) => w.appliesTo(s));
      for (let run = 0; run < opts.runs; run++) {
        // Interleaved, and the order rotates each run so no system always goes first.
        const order = targets.map((_, i) => targets[(i + run) % targets.length]!);
        for (const s of order) {
          log(`${w.id} run ${run + 1}/${opts.runs}: ${s.id}`);
          const running = await s.start(w.upstreams(backends), w.maxConn(timing), w.protocol).catch((e: unknown) => {
            notes.push(`${w.id} ${s.id}: could not start: ${e instanceof Error ? e.message : String(e)}`);
            return undefined;
          });
          if (!running) continue;
          try {
            results.add(w.id, s.id, await w.run(ctx, running));
          } catch (e) {
            notes.push(`${w.id} run ${run + 1} ${s.id}: failed: ${e instanceof Error ? e.message : String(e)}`);
          } finally {
            await running.stop();
          }
        }
      }
    }
    const column = (s: System): Column => {
      const v = variants.find((x) => x.id === s.id);
      return { id: s.id, label: v ? v.label : s.id === 'haproxy' ? 'HAProxy' : s.id };
    };
    const versions: Record<string, string | undefined> = {};
    for (const v of variants) versions[`node (${v.label})`] = nodeVersion(v.node);
    Object.assign(versions, peerVersions());
    return {
      startedAt,
      machine: atStart,
      versions,
      method: {
        runs: opts.runs,
        seconds: timing.seconds,
        warmup: timing.warmSeconds,
        proxyCpu: opts.proxyCpu ?? 'unpinned',
        loadCpu: opts.loadCpu ?? 'unpinned',
        backends: backends.description,
        accessLog: opts.accessLog ? 'one line per connection to /dev/null, every proxy' : 'off everywhere',
        wrkConnections: `${timing.wrkConnectionsClose} (close), ${timing.wrkConnectionsKeepAlive} (keep-alive)`,
        idleConnections: timing.idleConnections,
        workers: opts.workers ?? 'single process',
        ...(opts.accept.length > 0 ? { accept: opts.accept.join(', ') } : {}),
      },
      systems: systems.map(column),
      ours: systems.filter((s) => s.kind === 'lb').map(column),
      notes,
      results,
    };
  } finally {
    await procs.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}
