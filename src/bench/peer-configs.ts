// Equivalent round-robin configurations for the peers, as text (pure: tested without processes).
// Same timeouts everywhere (connect 3 s, idle 1 h), one thread/worker, backlog 4096, and either
// one access-log line per connection to /dev/null for all of them, or none.

export interface ProxyConfig {
  readonly port: number;
  readonly backends: readonly number[];
  readonly accessLog: boolean;
  /** Most concurrent proxied connections the peer must allow (idle-connection workload). */
  readonly maxConn: number;
  /** The per-process open-file limit the peer may use. */
  readonly nofile: number;
  /** HAProxy threads (`nbthread`): as many as our workers with --workers N, to compare multi-core. */
  readonly threads?: number;
}

export function haproxyConfig(c: ProxyConfig): string {
  const servers = c.backends.map((p, i) => `  server s${i + 1} 127.0.0.1:${p}`);
  return [
    'global',
    `  nbthread ${c.threads ?? 1}`,
    `  maxconn ${c.maxConn}`,
    ...(c.accessLog ? ['  log stdout format raw local0 info'] : []),
    'defaults',
    '  mode tcp',
    ...(c.accessLog ? ['  log global', '  option tcplog'] : []),
    '  timeout connect 3s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  retries 2',
    'frontend lb',
    `  bind 127.0.0.1:${c.port}`,
    '  backlog 4096',
    `  maxconn ${c.maxConn}`,
    '  default_backend pool',
    'backend pool',
    '  balance roundrobin',
    ...servers,
    '',
  ].join('\n');
}

const nginxMain = (dir: string, nofile: number, asRoot: boolean): string[] => [
  'daemon off;',
  'worker_processes 1;',
  ...(asRoot ? ['user root;'] : []), // the default (nobody) could not read the temp dir
  `pid ${dir}/nginx.pid;`,
  `error_log ${dir}/error.log error;`,
  `worker_rlimit_nofile ${nofile};`,
];

/** A UDP session ends after this long without a datagram: our `--udp` default, and nginx's proxy_timeout. */
export const UDP_IDLE = '30s';

export function nginxStreamConfig(
  c: ProxyConfig & {
    readonly dir: string;
    readonly streamModule: string | undefined;
    readonly asRoot: boolean;
    /** `listen ... udp`: one session per client address:port, kept until idle for UDP_IDLE. */
    readonly udp?: boolean;
  },
): string {
  const servers = c.backends.map((p) => `    server 127.0.0.1:${p};`);
  return [
    ...(c.streamModule ? [`load_module ${c.streamModule};`] : []),
    ...nginxMain(c.dir, c.nofile, c.asRoot),
    // nginx counts both sides of a proxied connection
    `events { worker_connections ${Math.min(c.nofile - 32, Math.max(1024, c.maxConn * 2 + 64))}; }`,
    'stream {',
    ...(c.accessLog
      ? [
          `  log_format basic '$remote_addr [$time_local] $protocol $status $bytes_sent $bytes_received $session_time "$upstream_addr"';`,
          '  access_log /dev/null basic;',
        ]
      : ['  access_log off;']),
    '  upstream pool {',
    ...servers,
    '  }',
    '  server {',
    c.udp === true ? `    listen 127.0.0.1:${c.port} udp;` : `    listen 127.0.0.1:${c.port} backlog=4096;`,
    '    proxy_pass pool;',
    '    proxy_connect_timeout 3s;',
    // UDP: no proxy_responses, so a session lasts until idle, as ours do
    `    proxy_timeout ${c.udp === true ? UDP_IDLE : '1h'};`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The HTTP backends: a tiny 200 on `/`, and a large file on `/big` for the slow reader. */
export function nginxBackendConfig(c: {
  readonly dir: string;
  readonly ports: readonly number[];
  readonly bigFile: string;
  readonly nofile: number;
  readonly asRoot: boolean;
}): string {
  return [
    ...nginxMain(c.dir, c.nofile, c.asRoot),
    `events { worker_connections ${c.nofile - 32}; }`,
    'http {',
    '  access_log off;',
    '  default_type text/plain;',
    '  keepalive_requests 10000000;',
    '  keepalive_timeout 1h;',
    '  client_header_timeout 1h;', // idle-connection workload: connections that never send a byte
    '  send_timeout 1h;',
    '  sendfile on;',
    '  server {',
    ...c.ports.map((p) => `    listen 127.0.0.1:${p} backlog=4096;`),
    '    location = / { return 200 "ok\\n"; }',
    `    location = /big { default_type application/octet-stream; alias ${c.bigFile}; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}
