import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { App, type AppDeps } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { AccessLog } from '../../src/log/access-log.js';

export interface AppHarness {
  readonly app: App;
  /** The bound port of a listener (the first one by default). */
  port(listener?: string): number;
  /** Access-log records (`access` field of each JSON line) so far. */
  access(): Record<string, unknown>[];
  /** Every log line so far. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Runs an App in this process from a config, with its access log captured in memory. */
export async function startApp(
  input: ConfigInput,
  /** The descriptor budget, or no dup (the fallback without the native addon). */
  deps: Partial<Pick<AppDeps, 'fdBudget' | 'descriptorOps'>> = {},
): Promise<AppHarness> {
  const v = validateConfig(input);
  if (!v.ok) throw new Error(`bad test config: ${JSON.stringify(v.issues)}`);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const app = new App({ log, clock: systemClock(), random: Math.random, observer: new AccessLog(log, true), ...deps });
  await app.apply(v.config);
  return {
    app,
    port: (name) => {
      const l = name ? app.listeners().get(name) : app.listeners().values().next().value;
      if (!l) throw new Error(`no listener ${name}`);
      return l.port;
    },
    access: () => lines.filter((l) => l.access).map((l) => l.access as Record<string, unknown>),
    logs: () => lines,
    stop: () => app.stop(),
  };
}

export interface Client {
  readonly sock: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the connection is closed, with everything received. */
  readonly closed: Promise<string>;
}

/** Connects from a chosen loopback source address (any of 127.0.0.0/8 works on Linux). */
export function client(port: number, from = '127.0.0.1', send?: string): Client {
  const sock = connect({ port, host: '127.0.0.1', localAddress: from, allowHalfOpen: false });
  let got = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => (got += d));
  sock.on('error', () => undefined); // a refused client may see a reset
  if (send !== undefined) sock.on('connect', () => sock.write(send));
  const closed = new Promise<string>((resolve) => sock.once('close', () => resolve(got)));
  return { sock, text: () => got, closed };
}
