import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/bench/ports.js';
import { ProcessSet, type Spawned } from '../../src/bench/procs.js';
import { eventually } from './net.js';

// Real etcd 3.4 (Debian etcd-server) on loopback ports found at run time, data in a temporary
// directory. Short heartbeat and election timeouts, so that a killed leader is replaced in about
// a second. Processes are stopped by PID (TERM, then KILL: a member without quorum ignores TERM).

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  pid(): number | undefined;
  running(): boolean;
  /** TERM then KILL; the data directory stays (start() brings the member back with it). */
  stop(graceMs?: number): Promise<void>;
  start(): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Client URLs of every member. */
  readonly endpoints: readonly string[];
  /** The member that is the leader now (asks each running member's /v3 maintenance status). */
  leader(): Promise<EtcdMember>;
  /** Stops every member and removes the data. */
  close(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(size: 1 | 3 = 1): Promise<EtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-etcd-'));
  const procs = new ProcessSet();
  const specs: { name: string; client: number; peer: number }[] = [];
  for (let i = 1; i <= size; i++) specs.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peer}`).join(',');
  const members: EtcdMember[] = specs.map((s) => {
    let proc: Spawned | undefined;
    const clientUrl = `http://127.0.0.1:${s.client}`;
    const peerUrl = `http://127.0.0.1:${s.peer}`;
    const args = [
      ...['--name', s.name, '--data-dir', join(dir, s.name)],
      ...['--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl],
      ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
      ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new'],
      ...['--initial-cluster-token', `lbtest-${specs[0]!.client}`],
      ...['--heartbeat-interval', '50', '--election-timeout', '500'],
      ...['--log-outputs', join(dir, `${s.name}.log`), '--logger', 'zap'],
    ];
    return {
      name: s.name,
      clientUrl,
      peerUrl,
      pid: () => proc?.pid,
      running: () => proc?.alive() === true,
      stop: async (graceMs = 3000) => {
        if (proc) await procs.stop(proc, graceMs);
      },
      start: async () => {
        if (proc?.alive()) return;
        proc = procs.start(s.name, 'etcd', args, { stdout: 'discard' });
        // a lone member of three never reports healthy: wait only until it listens
        await eventually(
          async () => {
            if (!proc?.alive()) throw new Error(`etcd ${s.name} exited: ${proc?.stderr() ?? ''}`);
            try {
              await fetch(`${clientUrl}/version`, { signal: AbortSignal.timeout(1000) });
              return true;
            } catch {
              return false;
            }
          },
          15_000,
          `etcd ${s.name} to listen`,
        );
      },
    };
  });
  const close = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.stop(500))); // the data goes: no need for a clean exit
    await procs.stopAll();
    procs.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(members.map((m) => m.start()));
    await eventually(
      async () => (await Promise.all(members.map((m) => healthy(m.clientUrl)))).every(Boolean),
      // three members elect a leader in seconds, but a CI run with two suites' load took over 20
      45_000,
      'etcd healthy',
    );
  } catch (e) {
    await close();
    throw e;
  }
  const leader = async (): Promise<EtcdMember> =>
    eventually(
      async () => {
        for (const m of members) {
          if (!m.running()) continue;
          try {
            const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, {
              method: 'POST',
              body: '{}',
              signal: AbortSignal.timeout(1000),
            });
            const st = (await res.json()) as { header?: { member_id?: string }; leader?: string };
            if (st.leader !== undefined && st.leader === st.header?.member_id) return m;
          } catch {
            // not answering: try the next
          }
        }
        return undefined;
      },
      10_000,
      'an etcd leader',
    );
  return { members, endpoints: members.map((m) => m.clientUrl), leader, close };
}

/** Runs etcdctl (API v3) against `endpoints`; resolves with its stdout, rejects on a non-zero exit. */
export async function etcdctl(endpoints: readonly string[], ...args: string[]): Promise<string> {
  const procs = new ProcessSet();
  try {
    const r = await procs.run('etcdctl', 'etcdctl', [`--endpoints=${endpoints.join(',')}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      timeoutMs: 10_000,
    });
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    procs.close();
  }
}
