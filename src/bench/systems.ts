import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haproxyConfig, nginxStreamConfig, UDP_IDLE } from './peer-configs.js';
import { freePort, waitForPort } from './ports.js';
import type { ProcessSet } from './procs.js';

/** What every system under test needs from the bench. */
export interface SystemEnv {
  readonly procs: ProcessSet;
  /** A private temporary directory for configs and pid files. */
  readonly dir: string;
  readonly proxyCpu: number | undefined;
  readonly nofile: number;
  readonly accessLog: boolean;
  /** HAProxy's nbthread (1, or our --workers count). */
  readonly threads?: number;
}

/** What the proxies carry: connections, or datagrams (UDP sessions). */
export type Protocol = 'tcp' | 'udp';

export interface Running {
  /** Where the load goes. */
  readonly port: number;
  /** Root of the process tree whose CPU and memory are accounted (none for a direct connection). */
  readonly pid: number | undefined;
  /** Connections each worker accepted so far (our balancer with --workers). */
  readonly workerConnections?: () => Promise<number[]>;
  stop(): Promise<void>;
}

export interface System {
  readonly id: string;
  readonly kind: 'direct' | 'haproxy' | 'nginx' | 'lb';
  /** Starts it in front of `backends` (round-robin), able to hold `maxConn` proxied connections (or UDP sessions). */
  start(backends: readonly number[], maxConn: number, protocol?: Protocol): Promise<Running>;
}

/** No proxy: the load goes straight to the first backend. */
export const directSystem: System = {
  id: 'direct',
  kind: 'direct',
  start: (backends) => Promise.resolve({ port: backends[0]!, pid: undefined, stop: () => Promise.resolve() }),
};

let serial = 0;

/** Starts `cmd` pinned to the proxy CPU on a free port; `args` may write config files into `dir`. */
async function launch(
  env: SystemEnv,
  name: string,
  cmd: string,
  args: (port: number, dir: string) => readonly string[],
  procEnv?: NodeJS.ProcessEnv,
  /** Other ports to wait for (an admin API). */
  alsoPorts: readonly number[] = [],
  protocol: Protocol = 'tcp',
): Promise<Running> {
  const port = await freePort();
  const dir = join(env.dir, `${name}-${++serial}`);
  mkdirSync(dir, { recursive: true });
  const proc = env.procs.start(name, cmd, args(port, dir), { cpu: env.proxyCpu, stdout: 'discard', env: procEnv });
  try {
    await waitForPort(port, proc, undefined, protocol);
    for (const p of alsoPorts) await waitForPort(p, proc);
  } catch (e) {
    await env.procs.stop(proc);
    throw e;
  }
  return { port, pid: proc.pid, stop: () => env.procs.stop(proc) };
}

export function haproxySystem(env: SystemEnv, bin: string): System {
  return {
    id: 'haproxy',
    kind: 'haproxy',
    start: (backends, maxConn) =>
      launch(env, 'haproxy', bin, (port, dir) => {
        const cfg = join(dir, 'haproxy.cfg');
        writeFileSync(
          cfg,
          haproxyConfig({
            port,
            backends,
            accessLog: env.accessLog,
            maxConn,
            nofile: env.nofile,
            threads: env.threads,
          }),
        );
        return ['-f', cfg, '-db'];
      }),
  };
}

export function nginxSystem(env: SystemEnv, bin: string, streamModule: string | undefined): System {
  return {
    id: 'nginx',
    kind: 'nginx',
    start: (backends, maxConn, protocol) =>
      launch(
        env,
        'nginx',
        bin,
        (port, dir) => {
          const cfg = join(dir, 'nginx.conf');
          const asRoot = process.getuid?.() === 0;
          const { accessLog, nofile } = env;
          const udp = protocol === 'udp';
          writeFileSync(
            cfg,
            nginxStreamConfig({ port, backends, dir, streamModule, asRoot, maxConn, accessLog, nofile, udp }),
          );
          return ['-p', dir, '-c', cfg, '-e', join(dir, 'error.log')];
        },
        undefined,
        [],
        protocol,
      ),
  };
}

export interface LbVariant {
  readonly id: string;
  readonly node: string;
  readonly main: string;
  /** Extra CLI flags (`--lb 'NAME=PATH FLAGS'`). */
  readonly args?: readonly string[];
  readonly workers: string | undefined;
  /** LB_CLUSTER_ACCEPT for the workers (src/cluster/accept-mode.ts); undefined: the default. */
  readonly accept?: string | undefined;
}

/** The connections each worker accepted, from the admin API's status. */
async function workerConnections(admin: number): Promise<number[]> {
  const r = await fetch(`http://127.0.0.1:${admin}/api/status`);
  const status = (await r.json()) as { workers?: { totalConnections: number }[] };
  return (status.workers ?? []).map((w) => w.totalConnections);
}

/** Our balancer through its built CLI, on the given Node binary. */
export function lbSystem(env: SystemEnv, v: LbVariant): System {
  return {
    id: v.id,
    kind: 'lb',
    start: async (backends, _maxConn, protocol) => {
      // With workers, an admin API (and so metrics) tells how the connections spread over them.
      const admin = v.workers !== undefined && v.workers !== '1' ? await freePort() : undefined;
      const running = await launch(
        env,
        v.id,
        v.node,
        (port) => [
          // Started as a user starts it: the program gives itself its V8 flags (src/cli/node-flags.ts).
          v.main,
          String(port),
          '--host',
          '127.0.0.1',
          '-b',
          backends.map((b) => `127.0.0.1:${b}`).join(','),
          '--health-interval',
          '0',
          '--log-format',
          'json',
          '--drain-timeout',
          '1s',
          ...(env.accessLog ? [] : ['--no-access-log']),
          ...(protocol === 'udp' ? ['--udp', '--idle-timeout', UDP_IDLE] : []),
          ...(v.workers !== undefined ? ['--workers', v.workers] : []),
          ...(admin !== undefined ? ['--admin', `127.0.0.1:${admin}`] : []),
          ...(v.args ?? []),
        ],
        v.accept !== undefined ? { ...process.env, LB_CLUSTER_ACCEPT: v.accept } : undefined,
        admin !== undefined ? [admin] : [],
        protocol,
      );
      return admin === undefined ? running : { ...running, workerConnections: () => workerConnections(admin) };
    },
  };
}
