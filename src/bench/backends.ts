import { closeSync, mkdirSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxBackendConfig } from './peer-configs.js';
import { dnsmasqArgs } from './dnsmasq-args.js';
import { freePort, freePorts, waitForPort } from './ports.js';
import type { ProcessSet } from './procs.js';

export interface Backends {
  /** HTTP backends: a tiny 200 on `/`. */
  readonly http: readonly number[];
  /** Whether `/big` (an endless-looking download) exists, for the slow reader. */
  readonly big: boolean;
  /** An iperf3 server, when iperf3 is installed. */
  readonly iperf: number | undefined;
  /** DNS servers (dnsmasq, UDP) answering `www.bench`, when dnsmasq is installed. */
  readonly dns: readonly number[];
  readonly description: string;
}

export interface BackendEnv {
  readonly procs: ProcessSet;
  readonly dir: string;
  readonly loadCpu: number | undefined;
  readonly nofile: number;
  readonly nginx: string | undefined;
  readonly iperf3: boolean;
  readonly dnsmasq: string | undefined;
  /** Fallback when nginx is missing: the sample servers of our own CLI. */
  readonly lbMain: string;
}

const BIG_BYTES = 8 * 2 ** 30; // sparse: costs no disk, never fully read by a slow reader

/** Starts the backends on the load CPU: nginx (or our sample servers) and an iperf3 server. */
export async function startBackends(env: BackendEnv, count: number): Promise<Backends> {
  const iperf = env.iperf3 ? await startIperf(env) : undefined;
  const dns: number[] = [];
  if (env.dnsmasq) for (let i = 0; i < count; i++) dns.push(await startDnsmasq(env, env.dnsmasq, i + 1));
  if (env.nginx) {
    const dir = join(env.dir, 'backend');
    mkdirSync(dir, { recursive: true });
    const bigFile = join(dir, 'big.bin');
    const fd = openSync(bigFile, 'w');
    ftruncateSync(fd, BIG_BYTES);
    closeSync(fd);
    const ports = await freePorts(count);
    const cfg = join(dir, 'nginx.conf');
    const asRoot = process.getuid?.() === 0;
    writeFileSync(cfg, nginxBackendConfig({ dir, ports, bigFile, nofile: env.nofile, asRoot }));
    const proc = env.procs.start('nginx backend', env.nginx, ['-p', dir, '-c', cfg, '-e', join(dir, 'error.log')], {
      cpu: env.loadCpu,
      stdout: 'discard',
    });
    for (const p of ports) await waitForPort(p, proc);
    const description = `nginx, ${count} ports, one worker, tiny 200${dns.length ? `; ${dns.length} dnsmasq` : ''}`;
    return { http: ports, big: true, iperf, dns, description };
  }
  const proc = env.procs.start(
    'sample servers',
    process.execPath,
    [env.lbMain, 'servers', '--count', String(count), '--base-port', '0'],
    { cpu: env.loadCpu },
  );
  const ports = await new Promise<number[]>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const poll = (): void => {
      const found = [...proc.stdout().matchAll(/listening on [\d.]+:(\d+)/g)].map((m) => Number(m[1]));
      if (found.length >= count) resolve(found);
      else if (!proc.alive() || Date.now() > deadline) reject(new Error(`sample servers: ${proc.stderr()}`));
      else setTimeout(poll, 50);
    };
    poll();
  });
  return {
    http: ports,
    big: false,
    iperf,
    dns,
    description: 'our Node sample servers (nginx missing: not comparable)',
  };
}

async function startIperf(env: BackendEnv): Promise<number> {
  const port = await freePort();
  const proc = env.procs.start('iperf3 server', 'iperf3', ['-s', '-p', String(port), '-B', '127.0.0.1'], {
    cpu: env.loadCpu,
    stdout: 'discard',
  });
  await waitForPort(port, proc);
  return port;
}

/**
 * dnsmasq answering `www.bench` (A 127.0.0.`n`) from its own records: no upstream, no log, so that
 * each query costs it little. The UDP workload's backend.
 */
async function startDnsmasq(env: BackendEnv, bin: string, n: number): Promise<number> {
  const port = await freePort();
  const args = dnsmasqArgs({ port, zone: 'bench', records: [`host-record=www.bench,127.0.0.${n}`] });
  const proc = env.procs.start(`dnsmasq ${n}`, bin, args, { cpu: env.loadCpu, stdout: 'discard' });
  await waitForPort(port, proc, undefined, 'udp');
  return port;
}
