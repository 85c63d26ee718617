/** One zone served by dnsmasq from its own records. */
export interface DnsmasqZone {
  readonly port: number;
  readonly zone: string;
  /** dnsmasq options naming the records, without `--`: `host-record=www.bench,127.0.0.1`, `srv-host=…`. */
  readonly records: readonly string[];
  /** TTL of the answers, seconds (dnsmasq's default: 0). */
  readonly ttl?: number;
}

/**
 * dnsmasq (Debian dnsmasq-base) in the foreground as the only server of `zone` on 127.0.0.1:`port`:
 * no upstream, no /etc/hosts, no pid file. The bench's DNS backends and the tests' DNS peers.
 */
export function dnsmasqArgs(z: DnsmasqZone): string[] {
  return [
    '--no-daemon',
    `--port=${z.port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    `--local=/${z.zone}/`,
    ...(z.ttl !== undefined ? [`--local-ttl=${z.ttl}`] : []),
    ...z.records.map((r) => `--${r}`),
    // as root it would drop to "nobody", which may not exist in a container
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
  ];
}
