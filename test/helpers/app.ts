import pino from 'pino';
import { App } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import type { CloseReason } from '../../src/core/close-reason.js';
import type { Config } from '../../src/config/schema.js';
import { formatPath, validateConfig } from '../../src/config/validate.js';
import type { ListenerObserver } from '../../src/listener/listener.js';
import type { Logger } from '../../src/log/logger.js';
import type { SessionEnd } from '../../src/proxy/session-types.js';
import type { TestServer } from './net.js';

export interface Rejection {
  readonly listener: string;
  readonly reason: CloseReason;
  readonly detail: string | undefined;
}

/** An observer that keeps every event, for assertions. */
export class Recorder implements ListenerObserver {
  readonly ends: SessionEnd[] = [];
  readonly rejections: Rejection[] = [];
  readonly connectErrors: { pool: string; target: string; reason: string; detail: string }[] = [];

  onSessionEnd(e: SessionEnd): void {
    this.ends.push(e);
  }
  onConnectError(pool: string, target: string, reason: string, detail: string): void {
    this.connectErrors.push({ pool, target, reason, detail });
  }
  onConnected(): void {
    // not needed by the tests
  }
  onRejected(listener: string, reason: CloseReason, _info?: unknown, detail?: string): void {
    this.rejections.push({ listener, reason, detail });
  }
}

/** Validates a config the way the CLI does, throwing with the first issue. */
export function config(input: unknown): Config {
  const v = validateConfig(input);
  if (!v.ok) throw new Error(v.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  return v.config;
}

export interface RunningApp {
  readonly app: App;
  readonly rec: Recorder;
  /** Log lines written so far (pino JSON objects). */
  readonly logs: Record<string, unknown>[];
  port(listener: string): number;
  stop(): Promise<void>;
}

/** Runs an App in this process on a validated config; listeners should bind 127.0.0.1:0. */
export async function startApp(input: unknown): Promise<RunningApp> {
  const rec = new Recorder();
  const logs: Record<string, unknown>[] = [];
  const log: Logger = pino(
    { level: 'debug', base: undefined },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const app = new App({ log, clock: systemClock(), random: Math.random, observer: rec });
  await app.apply(config(input));
  return {
    app,
    rec,
    logs,
    port: (name) => {
      const l = app.listeners().get(name);
      if (!l) throw new Error(`no listener ${name}`);
      return l.port;
    },
    stop: () => app.stop(),
  };
}

/** The backends a test file starts, closed together at the end. */
export class Backends {
  readonly #servers: TestServer[] = [];

  /** Waits for a server to listen and returns its `127.0.0.1:port` for a pool's targets. */
  async add(server: Promise<TestServer>): Promise<string> {
    const s = await server;
    this.#servers.push(s);
    return `127.0.0.1:${s.port}`;
  }

  async close(): Promise<void> {
    await Promise.all(this.#servers.splice(0).map((s) => s.close()));
  }
}

/** A pool of one target without active health checks (tests decide when targets fail). */
export const testPool = (target: string, extra: Record<string, unknown> = {}) => ({
  targets: [target],
  healthCheck: { type: 'none' },
  ...extra,
});
