import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { configDir } from './config-file.js';
import { startCli, type RunningCli } from './cli.js';
import { series } from './prom-text.js';

/**
 * The relay the UDP tests run the load balancer on: the default (the native engine when the
 * addon is built), or with LB_TEST_UDP_RELAY=js the dgram path (udp-relay-js.test.ts runs them so).
 */
export const UDP_RELAY = process.env.LB_TEST_UDP_RELAY === 'js' ? 'js' : undefined;
/** CLI flags for UDP_RELAY. */
export const udpRelayArgs = (): string[] => (UDP_RELAY ? ['--relay', UDP_RELAY] : []);
/** A config file's content for UDP_RELAY. */
export const withUdpRelay = <T extends object>(config: T): T => (UDP_RELAY ? { relay: UDP_RELAY, ...config } : config);

/** A free UDP port on 127.0.0.1 (bound, read, closed: for peers that cannot take port 0). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface UdpPeer {
  readonly port: number;
  /** Every datagram received, as it arrived. */
  readonly received: Buffer[];
  /** Distinct client address:port pairs seen (the load balancer's upstream sockets). */
  readonly sources: Set<string>;
  /** Muted, it receives but never answers (a hung service: no ICMP either). */
  mute(on: boolean): void;
  close(): Promise<void>;
}

/**
 * A UDP target: replies to each datagram with `name:` + the datagram, or the datagram itself
 * when `name` is empty (large datagrams compare as they are).
 */
export async function udpEcho(name: string, port = 0): Promise<UdpPeer> {
  const s = createSocket('udp4');
  const received: Buffer[] = [];
  const sources = new Set<string>();
  let muted = false;
  s.on('message', (m, r) => {
    received.push(m);
    sources.add(`${r.address}:${r.port}`);
    if (!muted) s.send(name ? [Buffer.from(`${name}:`), m] : m, r.port, r.address);
  });
  s.bind(port, '127.0.0.1');
  await once(s, 'listening');
  return {
    port: s.address().port,
    received,
    sources,
    mute: (on) => {
      muted = on;
    },
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

/** A UDP socket bound on 127.0.0.1 (any port), closed when the test `t` ends. */
export async function boundSocket(t: TestContext): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

/** An echo peer closed when the test `t` ends. */
export async function peerOf(t: TestContext, name: string): Promise<UdpPeer> {
  const p = await udpEcho(name);
  t.after(() => p.close());
  return p;
}

/** A client of `port` closed when the test `t` ends. */
export function clientOf(t: TestContext, port: number): UdpClient {
  const c = new UdpClient(port);
  t.after(() => c.close());
  return c;
}

/** A client socket: sends datagrams to `port` and collects the replies. */
export class UdpClient {
  readonly sock: Socket = createSocket('udp4');
  readonly replies: Buffer[] = [];
  #waiters: (() => void)[] = [];

  constructor(readonly port: number) {
    this.sock.on('message', (m) => {
      this.replies.push(m);
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  send(msg: Buffer | string): void {
    this.sock.send(msg, this.port, '127.0.0.1');
  }

  /** Waits until `n` replies arrived (in total), or rejects after `timeoutMs`. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.replies.length} of ${n} replies`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.replies;
  }

  /** Sends and resolves with the next reply. */
  async request(msg: Buffer | string, timeoutMs = 10_000): Promise<Buffer> {
    const n = this.replies.length;
    this.send(msg);
    return (await this.waitFor(n + 1, timeoutMs))[n]!;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.sock.close(() => r()));
  }
}

/** A DNS query for `name`, type A (1), as bytes: the bench's own. */
export { dnsQuery } from '../../src/bench/dns-load.js';

/** The IPv4 address of the first A record of a DNS reply. */
export function firstA(reply: Buffer): string | undefined {
  if (reply.length < 16 || reply.readUInt16BE(6) === 0) return undefined;
  const tail = reply.subarray(reply.length - 4);
  return [...tail].join('.');
}

/** `dig +short` through `port`: the answer lines. */
export function dig(port: number, name: string, extra: readonly string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      'dig',
      ['+short', '+tries=1', '+time=5', '-p', String(port), '@127.0.0.1', name, 'A', ...extra],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`dig exited ${code}: ${out}`))));
  });
}

/** The banner line of a UDP listener (pass as startCli's `ready`). */
export const UDP_READY = /Server is listening on udp port (\d+)/;

export interface UdpLb {
  readonly lb: RunningCli;
  readonly admin: string;
  /** The bound port of each UDP listener, by name (listeners bind 127.0.0.1:0). */
  readonly ports: ReadonlyMap<string, number>;
  metrics(): Promise<string>;
  status(): Promise<UdpStatus>;
  /** `lb_listener_dropped_datagrams_total` of one listener and reason (0 when absent). */
  dropped(listener: string, reason: string): Promise<number>;
  /** The config file with new content (then SIGHUP). */
  rewrite(config: unknown): void;
  stop(): Promise<void>;
}

export interface UdpStatus {
  udpListeners: { name: string; address: string; activeSessions: number; totalSessions: number }[];
  pools: {
    name: string;
    targets: {
      address: string;
      health: string;
      lastCheck: { ok: boolean; detail: string } | null;
      lastChange: { cause: string } | null;
    }[];
  }[];
}

/**
 * The load balancer from a config (YAML as an object) with an admin API and JSON logs; the port of
 * every UDP listener is read from GET /api/status.
 */
export async function startUdpLb(
  config: Record<string, unknown>,
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<UdpLb> {
  const dir = configDir();
  const full = withUdpRelay({ admin: { bind: '127.0.0.1:0' }, log: { format: 'json' }, ...config });
  const file = dir.write('lb.yaml', full);
  const lb = await startCli(['--config', file], { ready: UDP_READY, ...opts }).catch((e: unknown) => {
    dir.remove();
    throw e;
  });
  const admin = /Admin API listening on (\S+)/.exec(lb.stdout())![1]!;
  if (UDP_RELAY && !lb.stdout().includes(`Relay: ${UDP_RELAY}`)) throw new Error(`not on relay ${UDP_RELAY}`);
  const status = async (): Promise<UdpStatus> => (await (await fetch(`${admin}/api/status`)).json()) as UdpStatus;
  const metrics = async (): Promise<string> => (await fetch(`${admin}/metrics`)).text();
  const ports = new Map((await status()).udpListeners.map((l) => [l.name, Number(l.address.split(':').pop())]));
  return {
    lb,
    admin,
    ports,
    metrics,
    status,
    dropped: async (listener, reason) =>
      series(await metrics(), `lb_listener_dropped_datagrams_total{listener="${listener}",reason="${reason}"}`) ?? 0,
    rewrite: (c) => dir.replace('lb.yaml', { ...full, ...(c as object) }),
    stop: async () => {
      await lb.stop();
      dir.remove();
    },
  };
}
