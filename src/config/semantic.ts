import { formatHostPort } from '../core/address.js';
import type { Config, ListenerConfig } from './schema.js';

export interface ConfigIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Checks the schema cannot express: cross references, duplicates, unsafe combinations. */
export function semanticIssues(c: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const binds = new Map<string, string>();
  for (const [name, l] of Object.entries(c.listeners)) {
    if (!(l.pool in c.pools)) {
      const known = Object.keys(c.pools);
      issues.push({
        path: ['listeners', name, 'pool'],
        message: `unknown pool "${l.pool}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      });
    }
    issues.push(...routeIssues(name, l, c));
    const key = formatHostPort(l.bind);
    const other = binds.get(key);
    if (other !== undefined && l.bind.port !== 0)
      issues.push({ path: ['listeners', name, 'bind'], message: `${key} is already bound by listener "${other}"` });
    binds.set(key, name);
  }
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
    if (hc.type === 'send-expect' && hc.expect === undefined)
      issues.push({ path: ['pools', name, 'healthCheck', 'expect'], message: 'a send-expect check needs "expect"' });
  }
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
