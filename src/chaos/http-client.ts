// A bounded in-process HTTP/1.1 client for the scenarios: one GET over a new connection
// (wrk -H 'Connection: close'), or GETs over a keep-alive connection that reconnects after a
// failure. Hand-written on node:net: every failure (refused, reset, closed early, timeout) must be
// counted as one failed request, with no agent pooling or retrying behind our back.
import { connect, type Socket } from 'node:net';

/**
 * How a request failed, as the client saw it: connection refused, reset (ECONNRESET, EPIPE),
 * closed (FIN) before a complete reply, no reply within the timeout, a reply that is not 200, or
 * another socket error.
 */
export type FailureKind = 'refused' | 'reset' | 'eof' | 'timeout' | 'status' | 'error';

export interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  /** The backend that answered (from the body), when one did. */
  readonly backend?: string;
  /** Why it failed (failures only). */
  readonly failure?: FailureKind;
  /** performance.now() when the request was written, and when its connection was opened. */
  readonly sentAt: number;
  readonly connectedAt: number;
  /** The backend of the previous reply on the same keep-alive connection, if any. */
  readonly via?: string;
}

/** The failure kind of a socket error. */
export function failureOf(e: unknown): FailureKind {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'error';
}

const REQ_CLOSE = 'GET / HTTP/1.1\r\nHost: chaos\r\nConnection: close\r\n\r\n';
const REQ_KEEP = 'GET / HTTP/1.1\r\nHost: chaos\r\n\r\n';

/** Parses one complete response from the start of `buf`: its length and backend, or undefined. */
export function parseResponse(buf: string): { length: number; ok: boolean; backend: string } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.slice(0, end);
  const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  if (buf.length < end + 4 + len) return undefined;
  const body = buf.slice(end + 4, end + 4 + len);
  return { length: end + 4 + len, ok: head.startsWith('HTTP/1.1 200'), backend: body.trim().replace(/^ok /, '') };
}

/** One request on a new connection; the server closes it. Never rejects. */
export function requestOnce(port: number, timeoutMs: number): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let buf = '';
    let done = false;
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    const finish = (failure: FailureKind | undefined, backend?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({
        ok: failure === undefined,
        ms: performance.now() - t0,
        sentAt: t0,
        connectedAt: t0,
        ...(backend !== undefined ? { backend } : {}),
        ...(failure !== undefined ? { failure } : {}),
      });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    s.setEncoding('latin1');
    s.on('connect', () => s.write(REQ_CLOSE));
    s.on('data', (d: string) => {
      buf += d;
      const r = parseResponse(buf);
      // Wait for the server's FIN: the client closing first would leave TIME_WAIT on our side.
      if (r && !r.ok) finish('status');
    });
    s.on('end', () => {
      const r = parseResponse(buf);
      finish(r === undefined ? 'eof' : r.ok ? undefined : 'status', r?.backend);
    });
    s.on('error', (e) => finish(failureOf(e)));
    s.on('close', () => finish('eof'));
  });
}

/** A keep-alive connection: requests one at a time; a failed one closes it, the next reconnects. */
export class KeepAliveClient {
  #sock: Socket | undefined;
  #buf = '';
  #connectedAt = 0;
  /** The backend of the last reply on this connection. */
  #via: string | undefined;
  #pending: ((r: { failure?: FailureKind; backend?: string }) => void) | undefined;

  constructor(
    readonly port: number,
    readonly timeoutMs: number,
  ) {}

  request(): Promise<Outcome> {
    const t0 = performance.now();
    const s = this.#sock ?? this.#open();
    const at = { sentAt: t0, connectedAt: this.#connectedAt, ...(this.#via !== undefined ? { via: this.#via } : {}) };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#fail('timeout'), this.timeoutMs);
      this.#pending = (r) => {
        clearTimeout(timer);
        resolve({ ...r, ...at, ok: r.failure === undefined, ms: performance.now() - t0 });
      };
      s.write(REQ_KEEP);
    });
  }

  close(): void {
    this.#sock?.destroy();
    this.#sock = undefined;
  }

  #open(): Socket {
    const s = connect({ port: this.port, host: '127.0.0.1', noDelay: true });
    this.#sock = s;
    this.#buf = '';
    this.#connectedAt = performance.now();
    this.#via = undefined;
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.#buf += d;
      const r = parseResponse(this.#buf);
      if (!r) return;
      this.#buf = this.#buf.slice(r.length);
      if (!r.ok) return this.#fail('status'); // (it clears the pending request: not before)
      const p = this.#pending;
      this.#pending = undefined;
      this.#via = r.backend;
      p?.({ backend: r.backend });
    });
    const gone = (kind: FailureKind): void => {
      if (this.#sock === s) this.#fail(kind);
    };
    s.on('error', (e) => gone(failureOf(e)));
    s.on('close', () => gone('eof'));
    s.on('end', () => gone('eof'));
    return s;
  }

  #fail(kind: FailureKind): void {
    const p = this.#pending;
    this.#pending = undefined;
    this.close();
    p?.({ failure: kind });
  }
}

export interface LoadResult {
  requests: number;
  failed: number;
  latenciesMs: number[];
  /** Time of every failure, relative to the start (for recovery figures). */
  failuresAt: number[];
}

export const emptyLoad = (): LoadResult => ({ requests: 0, failed: 0, latenciesMs: [], failuresAt: [] });

const LATENCY_SAMPLES = 200_000; // bounded memory however long the run

/**
 * `concurrency` loops, each sending requests back to back until `seconds` have passed or
 * `maxRequests` were sent in all. Failures are counted, not retried.
 */
export async function runLoad(o: {
  port: number;
  concurrency: number;
  seconds: number;
  keepAlive: boolean;
  maxRequests?: number;
  timeoutMs?: number;
  /** Called with every outcome (backend accounting). */
  onOutcome?: (r: Outcome) => void;
  /** Ends the load early once it returns true. */
  stopped?: () => boolean;
}): Promise<LoadResult> {
  const res = emptyLoad();
  const t0 = Date.now();
  const end = t0 + o.seconds * 1000;
  const max = o.maxRequests ?? Number.MAX_SAFE_INTEGER;
  const timeout = o.timeoutMs ?? 5000;
  const loop = async (): Promise<void> => {
    const ka = o.keepAlive ? new KeepAliveClient(o.port, timeout) : undefined;
    while (Date.now() < end && res.requests < max && !o.stopped?.()) {
      res.requests++;
      const r = ka ? await ka.request() : await requestOnce(o.port, timeout);
      o.onOutcome?.(r);
      if (r.ok) {
        if (res.latenciesMs.length < LATENCY_SAMPLES) res.latenciesMs.push(r.ms);
      } else {
        res.failed++;
        if (res.failuresAt.length < LATENCY_SAMPLES) res.failuresAt.push(Date.now() - t0);
        // A refused connect fails in microseconds: yield so the loop cannot starve the timers.
        await new Promise((r) => setImmediate(r));
      }
    }
    ka?.close();
  };
  await Promise.all(Array.from({ length: o.concurrency }, loop));
  return res;
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
