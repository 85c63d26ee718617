import { formatHostPort, isValidHost, parseHostPort, parsePort } from '../core/address.js';
import { parseDuration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { BALANCER_KINDS, type BalancerKind } from '../balancer/balancer.js';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import type { ConfigInput } from '../config/schema.js';

export const SAMPLE_BACKENDS = ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'];

export interface CliOptions {
  host: string;
  backend?: string[];
  algorithm: string;
  connectTimeout: string;
  /** Default 1h, or 30s with `--udp` (a UDP session holds a socket until it is idle this long). */
  idleTimeout?: string;
  retries: string;
  healthInterval: string;
  healthTimeout?: string;
  rise: string;
  fall: string;
  drainTimeout: string;
  logLevel: string;
  logFormat?: string;
  accessLog: boolean;
  maxConnections?: string;
  /** `--admin ADDR:PORT`; its token comes from $LB_ADMIN_TOKEN (`adminToken`), never from argv. */
  admin?: string;
  adminToken?: string | undefined;
  sendProxy?: string;
  /** `--workers N|auto`: worker processes (default one process, no cluster). */
  workers?: string;
  relay?: string;
  /** `--native-accept` / `--no-native-accept`: config `nativeAccept` (default true). */
  nativeAccept?: boolean;
  /** `--udp`: balance UDP datagrams instead of TCP connections (src/udp/). */
  udp?: boolean;
}

export interface BackendArg {
  readonly address: string;
  readonly weight: number;
}

/** `HOST:PORT[@WEIGHT]`, several per argument separated by commas. */
export function parseBackends(values: readonly string[]): BackendArg[] {
  const out: BackendArg[] = [];
  for (const item of values.flatMap((v) => v.split(','))) {
    const text = item.trim();
    if (!text) continue;
    const at = text.lastIndexOf('@');
    const addr = at >= 0 ? text.slice(0, at) : text;
    let weight = 1;
    if (at >= 0) {
      const w = text.slice(at + 1);
      if (!/^\d+$/.test(w) || Number(w) < 1 || Number(w) > 1000)
        throw new InvalidArgumentError(`--backend: weight "${w}" in "${text}" must be an integer from 1 to 1000`);
      weight = Number(w);
    }
    out.push({ address: formatHostPort(parseHostPort(addr, `--backend "${text}"`)), weight });
  }
  if (out.length === 0) throw new InvalidArgumentError('--backend: no backend given (use HOST:PORT)');
  return out;
}

const intOption = (name: string, text: string, min: number, max: number): number => {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new InvalidArgumentError(`${name}: "${text}" must be an integer from ${min} to ${max}`);
  return Number(text);
};

const durationOption = (name: string, text: string, allowZero: boolean): string => {
  const ms = parseDuration(text, name);
  if (!allowZero && ms === 0) throw new InvalidArgumentError(`${name}: must be greater than 0`);
  return `${ms}ms`;
};

export const workersOption = (text: string): number | 'auto' =>
  text === 'auto' ? 'auto' : intOption('--workers', text, 1, 256);

const sendProxyOption = (text: string): 'v1' | 'v2' => {
  if (text !== 'v1' && text !== 'v2') throw new InvalidArgumentError(`--send-proxy: "${text}" must be v1 or v2`);
  return text;
};

const relayOption = (text: string): 'auto' | 'native' | 'js' => {
  if (text !== 'auto' && text !== 'native' && text !== 'js')
    throw new InvalidArgumentError(`--relay: "${text}" must be auto, native or js`);
  return text;
};

/** Turns the simple command line into the same config object a config file gives. */
export function configFromCli(
  portArg: string | undefined,
  o: CliOptions,
): { config: ConfigInput; usingSamples: boolean } {
  const port = portArg === undefined ? 8000 : portArg === '0' ? 0 : parsePort(portArg, 'PORT'); // 0: any free port
  if (!isValidHost(o.host)) throw new InvalidArgumentError(`--host: "${o.host}" is not a valid address`);
  if (!(BALANCER_KINDS as readonly string[]).includes(o.algorithm))
    throw new InvalidArgumentError(
      `--algorithm: unknown algorithm "${o.algorithm}" (choose ${BALANCER_KINDS.join(', ')})`,
    );
  if (!(LOG_LEVELS as readonly string[]).includes(o.logLevel))
    throw new InvalidArgumentError(`--log-level: unknown level "${o.logLevel}" (choose ${LOG_LEVELS.join(', ')})`);
  if (o.logFormat !== undefined && o.logFormat !== 'json' && o.logFormat !== 'pretty')
    throw new InvalidArgumentError(`--log-format: "${o.logFormat}" must be json or pretty`);
  const usingSamples = o.backend === undefined;
  const backends = parseBackends(o.backend ?? SAMPLE_BACKENDS);
  const interval = durationOption('--health-interval', o.healthInterval, true);
  const udp = o.udp === true;
  return {
    usingSamples,
    config: {
      listeners: {
        main: {
          bind: formatHostPort({ host: o.host, port }),
          ...(udp ? { protocol: 'udp' as const } : {}),
          pool: 'default',
          ...(o.maxConnections !== undefined
            ? { maxConnections: intOption('--max-connections', o.maxConnections, 1, 10_000_000) }
            : {}),
        },
      },
      pools: {
        default: {
          algorithm: o.algorithm as BalancerKind,
          targets: backends.map((b) => ({ address: b.address, weight: b.weight })),
          healthCheck: {
            type: interval === '0ms' ? 'none' : udp ? 'udp' : 'tcp',
            interval: interval === '0ms' ? '2s' : interval,
            // like HAProxy's `timeout check`, the check timeout defaults to (at most) the interval
            timeout:
              o.healthTimeout === undefined
                ? `${Math.min(1000, Math.max(1, parseDuration(interval)))}ms`
                : durationOption('--health-timeout', o.healthTimeout, false),
            rise: intOption('--rise', o.rise, 1, 100),
            fall: intOption('--fall', o.fall, 1, 100),
          },
          connectTimeout: durationOption('--connect-timeout', o.connectTimeout, false),
          idleTimeout: durationOption('--idle-timeout', o.idleTimeout ?? (udp ? '30s' : '1h'), true),
          retries: intOption('--retries', o.retries, 0, 10),
          ...(o.sendProxy !== undefined ? { proxyProtocol: sendProxyOption(o.sendProxy) } : {}),
        },
      },
      drainTimeout: durationOption('--drain-timeout', o.drainTimeout, true),
      ...(o.workers !== undefined ? { workers: workersOption(o.workers) } : {}),
      ...(o.relay !== undefined ? { relay: relayOption(o.relay) } : {}),
      ...(o.nativeAccept !== undefined ? { nativeAccept: o.nativeAccept } : {}),
      ...(o.admin !== undefined ? { admin: { bind: o.admin, ...(o.adminToken ? { token: o.adminToken } : {}) } } : {}),
      log: {
        level: o.logLevel as LogLevel,
        ...(o.logFormat ? { format: o.logFormat } : {}),
        access: o.accessLog,
      },
    },
  };
}
