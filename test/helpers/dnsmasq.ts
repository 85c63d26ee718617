import { Resolver } from 'node:dns/promises';
import { dnsmasqArgs } from '../../src/bench/dnsmasq-args.js';
import { freePort } from '../../src/bench/ports.js';
import { ProcessSet, type Spawned } from '../../src/bench/procs.js';
import { eventually } from './net.js';

// dnsmasq (Debian dnsmasq-base) as an authoritative server for one zone on a loopback UDP port.
// SIGHUP does not reload srv-host lines, so set() restarts it (on the same port) with new records.
// The one dnsmasq helper of the tests (discovery and UDP).

export interface DnsRecords {
  /** `_svc._tcp.zone` → [target host, port, priority, weight] */
  readonly srv?: readonly (readonly [string, string, number, number, number])[];
  /** host → addresses (A or AAAA) */
  readonly hosts?: Readonly<Record<string, readonly string[]>>;
  /** TTL of the answers, seconds */
  readonly ttl?: number;
}

export interface Dnsmasq {
  /** `127.0.0.1:PORT` */
  readonly server: string;
  readonly port: number;
  /** Restarts dnsmasq with these records. */
  set(records: DnsRecords): Promise<void>;
  /** Stops it (the port stays free for the test's "DNS is gone" case); set() starts it again. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/**
 * dnsmasq serving `zone` from `records` on a free port. A free port found here can be taken by a
 * parallel test before dnsmasq binds it: then it tries another.
 */
export async function startDnsmasq(zone: string, records: DnsRecords): Promise<Dnsmasq> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDnsmasqOn(await freePort(), zone, records);
    } catch (e) {
      if (attempt >= 5 || !String(e).includes('Address already in use')) throw e;
    }
  }
}

async function startDnsmasqOn(port: number, zone: string, records: DnsRecords): Promise<Dnsmasq> {
  const procs = new ProcessSet();
  let proc: Spawned | undefined;
  const stop = async (): Promise<void> => {
    if (proc) await procs.stop(proc, 2000);
    proc = undefined;
  };
  const set = async (r: DnsRecords): Promise<void> => {
    await stop();
    const lines = [
      ...(r.srv ?? []).map(([name, host, p, prio, weight]) => `srv-host=${name},${host},${p},${prio},${weight}`),
      // one address per line: a host-record takes one IPv4 and one IPv6 address at most
      ...Object.entries(r.hosts ?? {}).flatMap(([h, addrs]) => addrs.map((a) => `host-record=${h},${a}`)),
    ];
    proc = procs.start('dnsmasq', 'dnsmasq', dnsmasqArgs({ port, zone, records: lines, ttl: r.ttl ?? 1 }));
    const probe = new Resolver({ timeout: 300, tries: 1 });
    probe.setServers([`127.0.0.1:${port}`]);
    const started = proc;
    await eventually(
      async () => {
        if (!started.alive()) throw new Error(`dnsmasq exited: ${started.stderr()}`);
        try {
          await probe.resolve4(`probe-not-there.${zone}`);
          return true;
        } catch (e) {
          return (e as { code?: string }).code === 'ENOTFOUND' || (e as { code?: string }).code === 'ENODATA';
        }
      },
      10_000,
      'dnsmasq to answer',
    );
  };
  const close = async (): Promise<void> => {
    await stop();
    procs.close();
  };
  try {
    await set(records);
  } catch (e) {
    await close();
    throw e;
  }
  return { server: `127.0.0.1:${port}`, port, set, stop, close };
}
