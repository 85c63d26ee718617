// Starts the systems under test as a user would: our balancer from its built CLI (flags, or a
// config file when the scenario needs several listeners or reloads) and HAProxy with `-db`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForPort } from '../bench/ports.js';
import { treeUsage, type ProcUnits, type Usage } from '../bench/proc-stats.js';
import type { ProcessSet, Spawned } from '../bench/procs.js';
import { haproxyChaosConfig, HEALTH, ourConfig, RETRIES, type ProxySpec } from './configs.js';

export type SystemId = 'lb' | 'haproxy';

export interface LaunchOptions {
  /** Reloadable: our balancer from a config file, HAProxy in master-worker mode (-W). */
  readonly reloadable?: boolean;
  /** Our balancer's --workers. */
  readonly workers?: number;
  /** Open-file limit of the proxy (soft and hard), through prlimit. */
  readonly nofile?: number;
  /** Node flags for ours (`node FLAGS dist/main.js …`); HAProxy ignores them. */
  readonly nodeFlags?: readonly string[];
}

export interface RunningProxy {
  readonly system: SystemId;
  readonly pid: number;
  /** Memory, CPU and descriptors of the proxy's whole process tree. */
  usage(): Usage;
  /**
   * Writes the new config and reloads: a signal (SIGHUP; SIGUSR2 to HAProxy's master), or with
   * `api`, ours through `POST /api/reload` (HAProxy has no such API: a signal). Resolves to
   * whether the reload was accepted (a signal always is).
   */
  reload(spec: ProxySpec, via?: 'signal' | 'api'): Promise<boolean>;
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export interface LaunchEnv {
  readonly procs: ProcessSet;
  readonly dir: string;
  readonly units: ProcUnits;
  readonly ourMain: string;
  readonly haproxy: string | undefined;
  /** Pin the proxy to this CPU (taskset), unless it runs several workers. */
  readonly proxyCpu?: number | undefined;
}

let serial = 0;

/** One plain listener in front of one pool: the command line says it all. */
const cliExpressible = (s: ProxySpec): boolean =>
  s.listeners.length === 1 && s.pools.length === 1 && !s.admin && (s.listeners[0]!.kind ?? 'plain') === 'plain';

function ourCliArgs(s: ProxySpec, o: LaunchOptions, cfg: string): string[] {
  const tail = ['--no-access-log', '--log-format', 'json', ...(o.workers ? ['--workers', String(o.workers)] : [])];
  if (o.reloadable || !cliExpressible(s)) return ['-c', cfg, ...tail];
  const l = s.listeners[0]!;
  const b = s.pools[0]!.targets.map((t) => `127.0.0.1:${t.port}${t.weight ? `@${t.weight}` : ''}`).join(',');
  return [
    String(l.port),
    '--host',
    '127.0.0.1',
    '-b',
    b,
    '--health-interval',
    HEALTH.interval,
    '--health-timeout',
    HEALTH.timeout,
    '--rise',
    String(HEALTH.rise),
    '--fall',
    String(HEALTH.fall),
    '--retries',
    String(RETRIES),
    '--connect-timeout',
    '3s',
    '--drain-timeout',
    '1s',
    ...tail,
  ];
}

export async function launch(
  env: LaunchEnv,
  system: SystemId,
  spec: ProxySpec,
  o: LaunchOptions = {},
): Promise<RunningProxy> {
  const id = `${system}-${++serial}`;
  const cfg = join(env.dir, system === 'lb' ? `${id}.yaml` : `${id}.cfg`);
  const write = (s: ProxySpec): void => writeFileSync(cfg, system === 'lb' ? ourConfig(s) : haproxyChaosConfig(s));
  write(spec);
  let cmd: string;
  let args: string[];
  if (system === 'lb') {
    cmd = process.execPath;
    args = [...(o.nodeFlags ?? []), env.ourMain, ...ourCliArgs(spec, o, cfg)];
  } else {
    if (!env.haproxy) throw new Error('haproxy is not installed');
    cmd = env.haproxy;
    args = [...(o.reloadable ? ['-W'] : []), '-db', '-f', cfg];
  }
  if (o.nofile !== undefined) {
    args = [`--nofile=${o.nofile}:${o.nofile}`, cmd, ...args];
    cmd = 'prlimit';
  }
  const multi = (o.workers ?? 1) > 1;
  const proc: Spawned = env.procs.start(id, cmd, args, { cpu: multi ? undefined : env.proxyCpu });
  const stop = (): Promise<void> => env.procs.stop(proc, 5000);
  try {
    const ports = [...spec.listeners.map((l) => l.port), ...(spec.admin ? [spec.admin.port] : [])];
    for (const p of ports) await waitForPort(p, proc, 20_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    system,
    pid: proc.pid,
    usage: () => treeUsage(proc.pid, env.units, true),
    reload: async (s, via = 'signal') => {
      write(s);
      if (via === 'api' && system === 'lb' && s.admin) {
        const r = await fetch(`http://127.0.0.1:${s.admin.port}/api/reload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.admin.token}` },
          signal: AbortSignal.timeout(10_000),
        }).catch(() => undefined);
        await r?.arrayBuffer().catch(() => undefined);
        return r?.ok === true;
      }
      process.kill(proc.pid, system === 'lb' ? 'SIGHUP' : 'SIGUSR2');
      return true;
    },
    output: () => `${proc.stdout()}${proc.stderr()}`,
    alive: () => proc.alive(),
    stop,
  };
}
