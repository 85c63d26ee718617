import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { ADMIN_STATES } from '../core/types.js';

// Every message between the primary and its workers, in one place: a discriminated union on
// `type`, stamped with the protocol version `v`, and checked on receipt (the worker runs code the
// primary did not necessarily run: an upgrade in place could mix versions).

export const IPC_VERSION = 1;

const count = z.number().int().min(0);
const name = z.string().min(1);

const targetSpec = z
  .object({
    id: name,
    host: name,
    port: z.number().int().min(0).max(65535),
    weight: z.number().int().min(0),
    backup: z.boolean(),
    maxConnections: z.number().int().min(1).optional(),
  })
  .strict();

/** One target as the primary sees it: the workers take membership, weight, health and admin state. */
const health = z.enum(['unknown', 'healthy', 'unhealthy']);
const admin = z.enum(ADMIN_STATES as ['ready', 'drain', 'maint']);

/** Its last change of health or state, and why (the store's, so that every data plane tells the same). */
const change = z.object({ at: z.number(), cause: z.string() }).strict();

const targetState = z.object({ spec: targetSpec, health, admin, lastChange: change.optional() }).strict();

/** The config was validated once, in the primary; a worker only checks that it is one. */
const isConfig = (v: unknown): v is Config =>
  typeof v === 'object' &&
  v !== null &&
  ['listeners', 'pools', 'log'].every((k) => typeof (v as Record<string, unknown>)[k] === 'object') &&
  typeof (v as Record<string, unknown>).drainTimeout === 'number';

const counters = z
  .object({
    active: count,
    total: count,
    bytesFromClient: count,
    bytesToClient: count,
    /** A removed target still draining: what it was, for the views. */
    retired: z.object({ spec: targetSpec, health, admin }).strict().optional(),
  })
  .strict();

/** A worker's own traffic: the primary sums these for the status and the pool views. */
const workerStats = z
  .object({
    connections: count,
    listeners: z.array(
      z
        .object({
          name,
          host: z.string(),
          port: z.number().int(),
          maxConnections: z.number().int().nullable(),
          keepAliveMs: count,
          active: count,
          total: count,
        })
        .strict(),
    ),
    /** pool → target id → counters (removed targets still draining included). */
    pools: z.record(z.string(), z.record(z.string(), counters)),
    /** The relay of this worker's new connections (each worker chooses its own). */
    relay: z
      .object({
        mode: z.enum(['native', 'js']),
        reason: z.string(),
        nativeConnections: count,
        /** The listeners its relay thread accepts on (native accept). */
        nativeAccept: z.array(z.string()).readonly().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const summaryPart = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
});
const v = z.literal(IPC_VERSION);

const snapshot = z
  .object({
    v,
    type: z.literal('snapshot'),
    /** +1 on every snapshot the primary sends. */
    version: z.number().int().min(1),
    /** +1 whenever the config changes: a worker applies the config only when this moved. */
    configVersion: z.number().int().min(1),
    config: z.custom<Config>(isConfig, { message: 'not a config' }),
    pools: z.record(z.string(), z.array(targetState)),
  })
  .strict();

/** One open connection a worker holds (GET /api/pools/:pool/targets/:target/connections). */
const openConnection = z
  .object({
    client: z.string(),
    listener: name,
    ageSeconds: z.number().min(0),
    bytesFromClient: count,
    bytesToClient: count,
  })
  .strict();

/** A listening socket a worker asks for, held by the supervisor (src/supervisor/socket-spec.ts). */
const socketSpec = z
  .object({ kind: z.enum(['tcp', 'udp']), name, host: name, port: z.number().int().min(0).max(65535) })
  .strict();

export const toWorker = z.discriminatedUnion('type', [
  snapshot,
  /** `handOver`: an upgrade, the next generation reads the UDP sockets at once (App.shutdown). */
  z.object({ v, type: z.literal('drain'), timeoutMs: count, handOver: z.boolean().optional() }).strict(),
  z.object({ v, type: z.literal('request'), id: count, what: z.enum(['stats', 'metrics']) }).strict(),
  /** The open connections of one target, newest first, at most `limit`. */
  z
    .object({ v, type: z.literal('connections'), id: count, pool: name, target: name, limit: z.number().int().min(1) })
    .strict(),
  /** The answer to a worker's `socket`: the socket itself comes as the message's handle, or `error`. */
  z.object({ v, type: z.literal('socket'), id: count, error: z.string().optional() }).strict(),
]);

export const toPrimary = z.discriminatedUnion('type', [
  z.object({ v, type: z.literal('hello'), pid: z.number().int() }).strict(),
  z
    .object({
      v,
      type: z.literal('applied'),
      version: z.number().int().min(1),
      ok: z.boolean(),
      summary: z.object({ listeners: summaryPart, pools: summaryPart }).optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
      stats: workerStats,
    })
    .strict(),
  /** A passive health result from real traffic: failures, and the first success after one. */
  z.object({ v, type: z.literal('passive'), pool: name, target: name, ok: z.boolean(), detail: z.string() }).strict(),
  z.object({ v, type: z.literal('stats'), id: count, stats: workerStats }).strict(),
  z.object({ v, type: z.literal('socket'), id: count, spec: socketSpec }).strict(),
  /** prom-client's getMetricsAsJSON(), for AggregatorRegistry.aggregate() in the primary. */
  z.object({ v, type: z.literal('metrics'), id: count, metrics: z.array(z.record(z.string(), z.unknown())) }).strict(),
  z.object({ v, type: z.literal('connections'), id: count, connections: z.array(openConnection) }).strict(),
]);

export type ToWorker = z.infer<typeof toWorker>;
export type ToPrimary = z.infer<typeof toPrimary>;
export type Snapshot = z.infer<typeof snapshot>;
export type TargetState = z.infer<typeof targetState>;
export type WorkerStats = z.infer<typeof workerStats>;

/** The message without its version stamp, as senders write it. */
export type Unstamped<M> = M extends unknown ? Omit<M, 'v'> : never;

export const stamp = <M extends { type: string }>(m: M): M & { v: typeof IPC_VERSION } => ({ ...m, v: IPC_VERSION });

export type Decoded<M> = { readonly ok: true; readonly message: M } | { readonly ok: false; readonly error: string };

function decode<M>(schema: z.ZodType<M>, raw: unknown): Decoded<M> {
  const version = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined;
  if (version !== IPC_VERSION)
    return { ok: false, error: `IPC message of protocol version ${String(version)}, expected ${IPC_VERSION}` };
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const first = r.error.issues[0];
  return { ok: false, error: `invalid IPC message: ${first ? `${first.path.join('.')}: ${first.message}` : '?'}` };
}

export const decodeToWorker = (raw: unknown): Decoded<ToWorker> => decode(toWorker, raw);
export const decodeToPrimary = (raw: unknown): Decoded<ToPrimary> => decode(toPrimary, raw);
