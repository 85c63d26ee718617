import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { z } from 'zod';
import { isValidHost, parseHostPort, type HostPort } from '../core/address.js';
import { parseDuration } from '../core/duration.js';
import { parseCidr } from '../core/cidr.js';
import { BALANCER_KINDS } from '../balancer/balancer.js';
import { LOG_LEVELS } from '../log/logger.js';
import { isSniPattern, normalizeName } from '../routing/sni-table.js';

// The single source of truth for the config file (and the CLI, which builds the same object):
// types come from here, and so does docs/config.schema.json.

const convert =
  <T>(fn: (v: string) => T) =>
  (v: string, ctx: Pick<z.core.$RefinementCtx, 'addIssue'>): T => {
    try {
      return fn(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message.replace(/^[^:]*: /, '') : String(e) });
      return z.NEVER;
    }
  };

const durationMs = (min = 0) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx) => convert((s) => parseDuration(s))(String(v), ctx))
    .refine((ms) => ms >= min, { message: min === 1 ? 'must be greater than 0' : `must be at least ${min}ms` });

const endpoint = z.string().transform(convert((s): HostPort => parseHostPort(s, 'address')));
const bindAddress = z.string().transform(convert((s): HostPort => parseHostPort(s, 'bind', true)));

export const targetSchema = z.union([
  z.string().transform(convert((s) => ({ ...parseHostPort(s, 'address'), weight: 1, backup: false }))),
  z
    .object({
      address: endpoint,
      weight: z
        .number()
        .int()
        .min(1, 'weight must be at least 1 (use admin state "maint" to take a target out)')
        .max(1000)
        .default(1),
      backup: z.boolean().default(false),
      maxConnections: z.number().int().min(1).optional(),
    })
    .strict()
    .transform((t) => ({
      ...t.address,
      weight: t.weight,
      backup: t.backup,
      ...(t.maxConnections !== undefined ? { maxConnections: t.maxConnections } : {}),
    })),
]);

/** Pool side: `v1`, `v2`, or the long form with v2's optional TLVs. */
export const proxyProtocolSendSchema = z
  .union([
    z.enum(['v1', 'v2']),
    z
      .object({
        version: z.enum(['v1', 'v2']),
        uniqueId: z.boolean().default(false),
        crc32c: z.boolean().default(false),
      })
      .strict(),
  ])
  .transform((v) => (typeof v === 'string' ? { version: v, uniqueId: false, crc32c: false } : v));

export const healthCheckSchema = z
  .object({
    type: z.enum(['tcp', 'http', 'send-expect', 'udp', 'none']).default('tcp'),
    interval: durationMs(1).default(2000),
    /** HAProxy's fastinter: in transition, and for a target marked DOWN by traffic. Default min(interval, 250ms). */
    fastInterval: durationMs(1).optional(),
    /** HAProxy's downinter: while DOWN by checks. Default: interval. */
    downInterval: durationMs(1).optional(),
    timeout: durationMs(1).default(1000),
    rise: z.number().int().min(1).max(100).default(2),
    fall: z.number().int().min(1).max(100).default(3),
    jitter: z.number().min(0).max(0.5).default(0.1),
    port: z.number().int().min(1).max(65535).optional(),
    path: z.string().startsWith('/').default('/'),
    host: z.string().optional(),
    expectStatus: z
      .union([
        z.number().int().min(100).max(599),
        z.string().regex(/^[1-5]xx$/, 'must be a status code (200) or a class of them (2xx)'),
      ])
      .default('2xx'),
    send: z.string().optional(),
    expect: z.string().optional(),
    expectRegex: z.boolean().default(false),
    /** Send a PROXY header first (v2: LOCAL); default: when the pool sends one and `port` is unset. */
    sendProxy: z.boolean().optional(),
  })
  .strict();

// TLS: termination on listeners, TLS to the targets of pools (src/tls/). Paths are PEM files.
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
const pemPath = z.string().min(1);
const alpnList = z.array(z.string().min(1).max(255)).min(1);

export const listenerTlsSchema = z
  .object({
    cert: pemPath.optional(),
    key: pemPath.optional(),
    certificates: z.array(z.object({ cert: pemPath, key: pemPath }).strict()).default([]),
    minVersion: z.enum(TLS_VERSIONS).default('TLSv1.2'),
    alpn: alpnList.optional(),
    handshakeTimeout: durationMs(1).default(10_000),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), {
    message: 'cert and key go together',
    path: ['key'],
  })
  .refine((t) => t.cert !== undefined || t.certificates.length > 0, {
    message: 'a TLS listener needs a certificate: cert and key, or certificates',
  });

export const upstreamTlsSchema = z
  .object({
    enabled: z.boolean().default(true),
    servername: z.string().refine(isValidHost, { message: 'must be a host name' }).optional(),
    ca: pemPath.optional(),
    verify: z.boolean().default(true),
    minVersion: z.enum(TLS_VERSIONS).default('TLSv1.2'),
    alpn: alpnList.optional(),
  })
  .strict();

// Discovery and the fleet (src/discovery/, src/fleet/): targets from DNS and etcd, a shared view.
const ETCD_ENDPOINT = /^(https?:\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;
const resolverAddress = z.string().refine(
  (v) => {
    if (isIP(v) !== 0) return true;
    try {
      return isIP(parseHostPort(v, 'resolver').host) !== 0;
    } catch {
      return false;
    }
  },
  { message: 'must be an IP address, with an optional port (10.0.0.53, 10.0.0.53:5353, [2001:db8::53]:53)' },
);

export const etcdSchema = z
  .object({
    endpoints: z
      .array(z.string().regex(ETCD_ENDPOINT, 'must be http://HOST:PORT or https://HOST:PORT'))
      .min(1, 'list at least one etcd endpoint'),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    tls: z.object({ ca: pemPath.optional(), cert: pemPath.optional(), key: pemPath.optional() }).strict().optional(),
    /** Deadline of one request to etcd. */
    timeout: durationMs(1).default(3000),
  })
  .strict()
  .refine((e) => (e.username === undefined) === (e.password === undefined), {
    message: 'username and password go together',
    path: ['password'],
  })
  .refine((e) => (e.tls?.cert === undefined) === (e.tls?.key === undefined), {
    message: 'cert and key go together',
    path: ['tls', 'key'],
  });

export const fleetSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'names may use letters, digits, "_", "." and "-"')
      .default(() => hostname()),
    ttl: durationMs(1000).default(10_000),
    /** Where the fleet keeps its shared state in etcd. */
    prefix: z.string().startsWith('/').default('/tcp-loadbalancer/'),
  })
  .strict();

export const discoverySchema = z
  .object({
    etcd: z
      .object({ prefix: z.string().min(1) })
      .strict()
      .optional(),
    dns: z
      .object({
        name: z.string().refine(isValidHost, { message: 'must be a DNS name' }),
        type: z.enum(['SRV', 'A', 'AAAA']).default('SRV'),
        resolvers: z.array(resolverAddress).default([]),
        interval: durationMs(1000).default(10_000),
        port: z.number().int().min(1).max(65535).optional(),
      })
      .strict()
      .superRefine((d, ctx) => {
        if (d.type !== 'SRV' && d.port === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['port'],
            message: `type ${d.type} needs a port (SRV records carry theirs)`,
          });
        if (d.type === 'SRV' && d.port !== undefined)
          ctx.addIssue({ code: 'custom', path: ['port'], message: 'SRV records carry their own port: remove port' });
      })
      .optional(),
  })
  .strict();

export const poolSchema = z
  .object({
    algorithm: z.enum(BALANCER_KINDS).default('round-robin'),
    targets: z.array(targetSchema).default([]),
    healthCheck: healthCheckSchema.default(() => healthCheckSchema.parse({})),
    connectTimeout: durationMs(1).default(3000),
    idleTimeout: durationMs(0).default(3_600_000),
    retries: z.number().int().min(0).max(10).default(2),
    passiveFailTimeout: durationMs(1).default(10_000),
    // Waiting for a slot when every target is at its maxConnections (HAProxy maxqueue / timeout queue).
    maxQueue: z.number().int().min(0).default(1000),
    queueTimeout: durationMs(1).optional(),
    proxyProtocol: proxyProtocolSendSchema.optional(),
    tls: upstreamTlsSchema.optional(),
    discovery: discoverySchema.optional(),
  })
  .strict();

const cidr = z.string().refine(
  (v) => {
    try {
      parseCidr(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a CIDR (use 10.0.0.0/8, 2001:db8::/32 or an address)' },
);

// Access control and per-client limits of a listener (src/access/).
const accessControlKeys = {
  allow: z.array(cidr).default([]),
  deny: z.array(cidr).default([]),
  maxConnectionsPerClient: z.number().int().min(1).optional(),
  rateLimit: z
    .object({ perClient: z.number().positive(), burst: z.number().int().min(1).optional() })
    .strict()
    .transform((r) => ({ perClient: r.perClient, burst: r.burst ?? Math.max(1, Math.ceil(r.perClient)) }))
    .optional(),
};

/** Routing by TLS server name: `{ sni: api.example.com, pool: api }`, `*.` covers one label. */
export const sniRouteSchema = z
  .object({
    sni: z
      .string()
      .refine(isSniPattern, { message: 'must be a host name, or *. and a domain' })
      .transform(normalizeName),
    pool: z.string().min(1),
  })
  .strict();

/** Listener side: expect a PROXY header (v1 or v2) from trusted sources. */
export const proxyProtocolAcceptSchema = z
  .object({
    accept: z.boolean().default(true),
    trusted: z.array(cidr).default([]),
    untrusted: z.enum(['reject', 'serve']).default('reject'),
    timeout: durationMs(1).default(3000),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.accept && v.trusted.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['trusted'],
        message: 'list the proxies allowed to send the header (0.0.0.0/0 and ::/0 trust every source)',
      });
  });

export const listenerSchema = z
  .object({
    bind: bindAddress,
    /** udp: datagrams, one session per client address:port (src/udp/). */
    protocol: z.enum(['tcp', 'udp']).optional(),
    pool: z.string().min(1),
    /** udp: bytes of datagrams held at once (waiting for a session's socket, or in send queues). */
    maxBufferedBytes: z.number().int().min(65_535).optional(),
    maxConnections: z.number().int().min(1).optional(),
    ...accessControlKeys,
    routes: z.array(sniRouteSchema).optional(),
    noSni: z.enum(['pool', 'close']).default('pool'),
    clientHelloTimeout: durationMs(1).default(5000),
    proxyProtocol: proxyProtocolAcceptSchema.optional(),
    tls: listenerTlsSchema.optional(),
  })
  .strict();

export const adminSchema = z
  .object({
    bind: bindAddress,
    token: z.string().min(1).optional(),
  })
  .strict();

const NAME = /^[A-Za-z0-9_.-]+$/;
const named = <T extends z.ZodType>(item: T) =>
  z.record(z.string().regex(NAME, 'names may use letters, digits, "_", "." and "-"'), item);

export const configSchema = z
  .object({
    listeners: named(listenerSchema),
    pools: named(poolSchema),
    admin: adminSchema.optional(),
    etcd: etcdSchema.optional(),
    fleet: fleetSchema.optional(),
    drainTimeout: durationMs(0).default(30_000),
    keepAlive: durationMs(0).default(60_000),
    workers: z.union([z.number().int().min(1).max(256), z.literal('auto')]).default(1),
    /** Who moves the bytes: the native addon when it was built (auto), always (native), or JavaScript. */
    relay: z.enum(['auto', 'native', 'js']).default('auto'),
    /**
     * The native relay (when there is one) also accepts and connects plain TCP connections (no
     * net.Socket per connection); false: Node accepts every connection.
     */
    nativeAccept: z.boolean().default(true),
    /** Runtime state (admin state, weights, runtime targets, last health) kept across restarts. */
    stateFile: z.string().min(1).optional(),
    /** After binding, the processes that carry traffic run as this user (name or uid) … */
    user: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
    /** … and group (name or gid; default: the user's primary group). */
    group: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
    log: z
      .object({
        level: z.enum(LOG_LEVELS).default('info'),
        format: z.enum(['json', 'pretty']).optional(),
        access: z.boolean().default(true),
      })
      .strict()
      .default({ level: 'info', access: true }),
  })
  .strict();

/** The config as written (before defaults and conversions). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated config: durations in ms, addresses parsed, defaults applied. */
export type Config = z.output<typeof configSchema>;
export type PoolConfig = z.output<typeof poolSchema>;
export type ListenerConfig = z.output<typeof listenerSchema>;
export type ListenerTlsConfig = z.output<typeof listenerTlsSchema>;
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
export type EtcdConfig = z.output<typeof etcdSchema>;
export type FleetConfig = z.output<typeof fleetSchema>;
export type DiscoveryConfig = z.output<typeof discoverySchema>;
export type ProxyProtocolSendConfig = z.output<typeof proxyProtocolSendSchema>;
