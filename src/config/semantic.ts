import { isIP } from 'node:net';
import { formatHostPort, type HostPort } from '../core/address.js';
import type { Config, HealthCheckConfig, ListenerConfig } from './schema.js';
import { udpIssues } from './udp-semantic.js';

export interface ConfigIssue {
  readonly path: (string | number)[];
  readonly message: string;
  /** Where a file position points: the value (default), or the key itself (unknown keys). */
  readonly at?: 'key' | 'value';
}

/** Checks the schema cannot express: cross references, duplicates, unsafe combinations. */
export function semanticIssues(c: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // A UDP and a TCP listener may share an address (DNS serves both); the admin API is TCP.
  const binds: { name: string; bind: HostPort; path: (string | number)[]; udp?: boolean }[] = [];
  for (const [name, l] of Object.entries(c.listeners)) {
    if (!(l.pool in c.pools)) {
      const known = Object.keys(c.pools);
      issues.push({
        path: ['listeners', name, 'pool'],
        message: `unknown pool "${l.pool}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      });
    }
    issues.push(...routeIssues(name, l, c));
    binds.push({
      name: `listener "${name}"`,
      bind: l.bind,
      path: ['listeners', name, 'bind'],
      udp: l.protocol === 'udp',
    });
  }
  if (c.admin) binds.push({ name: 'the admin API', bind: c.admin.bind, path: ['admin', 'bind'] });
  binds.forEach((b, i) => {
    const other = binds.slice(0, i).find((o) => (o.udp === true) === (b.udp === true) && overlaps(o.bind, b.bind));
    if (!other) return;
    const [mine, theirs] = [formatHostPort(b.bind), formatHostPort(other.bind)];
    issues.push({
      path: b.path,
      message:
        mine === theirs ? `${mine} is already bound by ${other.name}` : `${mine} overlaps ${theirs} of ${other.name}`,
    });
  });
  for (const [name, p] of Object.entries(c.pools)) {
    const seen = new Set<string>();
    p.targets.forEach((t, i) => {
      const id = formatHostPort(t);
      if (seen.has(id)) issues.push({ path: ['pools', name, 'targets', i], message: `duplicate target ${id}` });
      seen.add(id);
    });
    const hc = p.healthCheck;
    if (hc.type !== 'none' && hc.timeout > hc.interval)
      issues.push({
        path: ['pools', name, 'healthCheck', 'timeout'],
        message: `timeout (${hc.timeout}ms) is longer than interval (${hc.interval}ms)`,
      });
    issues.push(...healthCheckIssues(hc, ['pools', name, 'healthCheck']));
  }
  issues.push(...udpIssues(c));
  issues.push(...etcdIssues(c));
  if (c.admin && c.admin.token === undefined && !isLoopback(c.admin.bind.host))
    issues.push({
      path: ['admin', 'token'],
      message: `a token is required when the admin API listens on a non-loopback address (${c.admin.bind.host})`,
    });
  return issues;
}

function routeIssues(name: string, l: ListenerConfig, c: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  (l.routes ?? []).forEach((r, i) => {
    if (!(r.pool in c.pools))
      issues.push({ path: ['listeners', name, 'routes', i, 'pool'], message: `unknown pool "${r.pool}"` });
    if (seen.has(r.sni))
      issues.push({ path: ['listeners', name, 'routes', i, 'sni'], message: `"${r.sni}" is routed twice` });
    seen.add(r.sni);
  });
  return issues;
}

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';

// `::` takes the port on IPv4 too (Node listens dual-stack); `0.0.0.0` on every IPv4 address.
const covers = (wide: string, host: string): boolean => wide === '::' || (wide === '0.0.0.0' && isIP(host) !== 6);

const overlaps = (a: HostPort, b: HostPort): boolean =>
  a.port !== 0 && a.port === b.port && (a.host === b.host || covers(a.host, b.host) || covers(b.host, a.host));

function healthCheckIssues(hc: HealthCheckConfig, path: (string | number)[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const onlyFor = (key: 'send' | 'expect' | 'host', ...types: string[]): void => {
    if (hc[key] !== undefined && !types.includes(hc.type))
      issues.push({
        path: [...path, key],
        message: `only used by type: ${types.join(' or ')} checks (this one is ${hc.type})`,
      });
  };
  onlyFor('send', 'send-expect', 'udp');
  onlyFor('expect', 'send-expect', 'udp');
  onlyFor('host', 'http');
  if (hc.type === 'send-expect' && hc.expect === undefined)
    issues.push({ path: [...path, 'expect'], message: 'a send-expect check needs "expect"' });
  if ((hc.type === 'send-expect' || hc.type === 'udp') && hc.expect !== undefined && hc.expectRegex) {
    try {
      new RegExp(hc.expect);
    } catch (e) {
      const why = (e as Error).message.replace(/^.*: /, '');
      issues.push({ path: [...path, 'expect'], message: `not a valid regular expression (${why})` });
    }
  }
  return issues;
}

/** Discovery from etcd and the fleet share the one `etcd` connection: it must be there. */
function etcdIssues(c: Config): ConfigIssue[] {
  if (c.etcd) return [];
  const issues: ConfigIssue[] = [];
  if (c.fleet)
    issues.push({ path: ['fleet'], message: 'a fleet shares its state through etcd: add the etcd key', at: 'key' });
  for (const [name, p] of Object.entries(c.pools))
    if (p.discovery?.etcd)
      issues.push({
        path: ['pools', name, 'discovery', 'etcd'],
        message: 'discovery from etcd needs the top-level etcd key (endpoints)',
        at: 'key',
      });
  return issues;
}
