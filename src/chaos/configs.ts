// The same topology written for both proxies (pure: values in, text out). Health and retries are
// HAProxy's as issue 14 ran it: `retries 2`, `option redispatch`, `check inter 2s fall 3 rise 2`,
// and our balancer's equal settings (its defaults, written out).
import { stringify } from 'yaml';

export type ListenerKind = 'plain' | 'proxy-protocol' | 'tls';

export interface ListenerSpec {
  readonly name: string;
  readonly port: number;
  readonly pool: string;
  readonly kind?: ListenerKind;
}

export interface TargetSpec {
  readonly port: number;
  readonly weight?: number;
}

export interface PoolSpec {
  readonly name: string;
  readonly targets: readonly TargetSpec[];
}

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** Certificate and key in one file, as HAProxy's `crt` wants them. */
  readonly pem: string;
}

export interface ProxySpec {
  readonly listeners: readonly ListenerSpec[];
  readonly pools: readonly PoolSpec[];
  readonly admin?: { readonly port: number; readonly token: string };
  readonly tls?: TlsFiles;
  /** HAProxy's global maxconn; undefined: HAProxy derives it from the open-file limit. */
  readonly maxConn?: number;
}

export const HEALTH = { interval: '2s', timeout: '1s', rise: 2, fall: 3 } as const;
export const RETRIES = 2;
/** How long we give a TLS client to finish its handshake (our default; HAProxy 2.6 has no such setting). */
export const HANDSHAKE_TIMEOUT = '10s';

const addr = (port: number): string => `127.0.0.1:${port}`;

/** Our balancer's config file (YAML). */
export function ourConfig(s: ProxySpec): string {
  const listener = (l: ListenerSpec): Record<string, unknown> => ({
    bind: addr(l.port),
    pool: l.pool,
    ...(l.kind === 'proxy-protocol' ? { proxyProtocol: { trusted: ['127.0.0.1/32'] } } : {}),
    ...(l.kind === 'tls' && s.tls
      ? { tls: { cert: s.tls.cert, key: s.tls.key, handshakeTimeout: HANDSHAKE_TIMEOUT } }
      : {}),
  });
  const pool = (p: PoolSpec): Record<string, unknown> => ({
    algorithm: 'round-robin',
    targets: p.targets.map((t) => ({ address: addr(t.port), weight: t.weight ?? 1 })),
    healthCheck: { type: 'tcp', ...HEALTH },
    connectTimeout: '3s',
    retries: RETRIES,
  });
  const doc = {
    listeners: Object.fromEntries(s.listeners.map((l) => [l.name, listener(l)])),
    pools: Object.fromEntries(s.pools.map((p) => [p.name, pool(p)])),
    ...(s.admin ? { admin: { bind: addr(s.admin.port), token: s.admin.token } } : {}),
    drainTimeout: '1s',
    log: { level: 'info', format: 'json', access: false },
  };
  return stringify(doc);
}

/** The same for HAProxy 2.6 (mode tcp; the admin API's counterpart is its HTTP stats page). */
export function haproxyChaosConfig(s: ProxySpec): string {
  const bind = (l: ListenerSpec): string => {
    if (l.kind === 'proxy-protocol') return `  bind ${addr(l.port)} accept-proxy`;
    if (l.kind === 'tls' && s.tls) return `  bind ${addr(l.port)} ssl crt ${s.tls.pem}`;
    return `  bind ${addr(l.port)}`;
  };
  const lines = [
    'global',
    '  nbthread 1',
    ...(s.maxConn !== undefined ? [`  maxconn ${s.maxConn}`] : []),
    'defaults',
    '  mode tcp',
    '  timeout connect 3s',
    '  timeout client 1h',
    '  timeout server 1h',
    `  retries ${RETRIES}`,
    '  option redispatch',
  ];
  for (const l of s.listeners)
    lines.push(`frontend ${l.name}`, bind(l), '  backlog 4096', `  default_backend ${l.pool}`);
  for (const p of s.pools) {
    lines.push(`backend ${p.name}`, '  balance roundrobin');
    p.targets.forEach((t, i) =>
      lines.push(
        `  server s${i + 1} ${addr(t.port)} weight ${t.weight ?? 1} check inter ${HEALTH.interval} fall ${HEALTH.fall} rise ${HEALTH.rise}`,
      ),
    );
  }
  if (s.admin)
    lines.push(
      'listen admin',
      '  mode http',
      `  bind ${addr(s.admin.port)}`,
      '  timeout client 30s',
      '  timeout http-request 10s',
      '  stats enable',
      '  stats uri /',
      `  stats auth admin:${s.admin.token}`,
    );
  return `${lines.join('\n')}\n`;
}
