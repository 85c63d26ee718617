import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

// The UDP load of `npm run bench`: DNS queries from a bounded client. No DNS load tool is packaged
// for Debian's 2 cores here (dnsperf is not in the archive), and the client must tell which
// session each reply belongs to, so it is hand-written: a fixed number of queries in flight,
// spread over `sessions` sockets (one client address:port each, so one session on the proxy).

/** A DNS query for `name`, type A, with the id `id` (the reply carries it back). */
export function dnsQuery(name: string, id: number): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const head = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([head, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** The value at quantile `q` (0..1) of `xs`, sorted in place; NaN when empty. */
export function quantile(xs: Float64Array, q: number): number {
  if (xs.length === 0) return NaN;
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
}

export interface LoadResult {
  readonly seconds: number;
  /** Queries whose fate is known: answered or lost (each is one datagram to the target). */
  readonly sent: number;
  /** Replies matched to a query of the run (each is one datagram back). */
  readonly answered: number;
  /** Queries without a reply within the timeout. */
  readonly lost: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Queries still in flight when the time was up (in none of the counts above). */
  readonly inFlightAtEnd: number;
}

/**
 * Client sockets bound on 127.0.0.1: each is a session on the proxy. Queries go out over them in
 * turn, `inFlight` at a time in all; a reply frees its slot for the next query, and so does a
 * query unanswered after `timeoutMs` (counted lost). Replies are matched by socket and DNS id.
 */
export class DnsLoad {
  readonly #socks: Socket[] = [];
  /** socket index × 65536 + DNS id → send time (ms) */
  readonly #pending = new Map<number, number>();
  #seq = 0;
  #next = 0;
  #running = false;
  #stats = { sent: 0, answered: 0, lost: 0 };
  #latencies = new Float64Array(1 << 16);
  #nLat = 0;
  #idle: (() => void) | undefined;

  private constructor(
    readonly port: number,
    private readonly query: Buffer,
  ) {}

  /** Opens `sessions` sockets; each sends one query and must get its reply (the proxy's session opens). */
  static async open(port: number, sessions: number, name = 'www.bench', timeoutMs = 10_000): Promise<DnsLoad> {
    const load = new DnsLoad(port, dnsQuery(name, 0));
    await load.grow(sessions, timeoutMs);
    return load;
  }

  get sessions(): number {
    return this.#socks.length;
  }

  /** Adds `n` sessions, each opened by one answered query (200 opening at once, unanswered ones asked again). */
  async grow(n: number, timeoutMs = 10_000): Promise<void> {
    const first = this.#socks.length;
    for (let i = 0; i < n; i++) {
      const s = createSocket('udp4');
      const index = first + i;
      s.on('message', (m) => this.#onReply(index, m));
      s.on('error', () => undefined); // ICMP port unreachable: the query times out and counts as lost
      s.bind(0, '127.0.0.1');
      this.#socks.push(s);
    }
    await Promise.all(this.#socks.slice(first).map((s) => once(s, 'listening')));
    const deadline = Date.now() + timeoutMs;
    for (let at = first; at < this.#socks.length; at += 200) {
      let batch = this.#socks.slice(at, at + 200).map((_, k) => at + k);
      while (batch.length > 0) {
        if (Date.now() > deadline) throw new Error(`${batch.length} sessions got no reply to their first query`);
        const keys = batch.map((i) => this.#send(i));
        const deadlineBatch = Date.now() + 1000;
        while (keys.some((k) => this.#pending.has(k)) && Date.now() < deadlineBatch)
          await new Promise((r) => setTimeout(r, 5));
        batch = batch.filter((_, j) => this.#pending.delete(keys[j]!)); // still pending: ask again
      }
    }
    this.#stats = { sent: 0, answered: 0, lost: 0 };
  }

  #send(index: number): number {
    const id = this.#seq++ & 0xffff;
    const q = Buffer.from(this.query);
    q.writeUInt16BE(id, 0);
    const key = index * 65536 + id;
    this.#pending.set(key, performance.now());
    this.#stats.sent++;
    this.#socks[index]!.send(q, this.port, '127.0.0.1');
    return key;
  }

  #onReply(index: number, m: Buffer): void {
    if (m.length < 2) return;
    const key = index * 65536 + m.readUInt16BE(0);
    const at = this.#pending.get(key);
    if (at === undefined) return; // late (already counted lost) or not ours
    this.#pending.delete(key);
    this.#stats.answered++;
    if (this.#nLat === this.#latencies.length) {
      const bigger = new Float64Array(this.#latencies.length * 2);
      bigger.set(this.#latencies);
      this.#latencies = bigger;
    }
    this.#latencies[this.#nLat++] = (performance.now() - at) * 1000;
    if (this.#running) this.#sendNext();
    else if (this.#pending.size === 0) this.#idle?.();
  }

  #sendNext(): void {
    const i = this.#next;
    this.#next = (i + 1) % this.#socks.length;
    this.#send(i);
  }

  /**
   * Keeps `inFlight` queries going for `seconds`. The figures are taken when the time is up; the
   * queries then in flight count nowhere, and are waited for (reply or timeout) before returning.
   */
  async run(seconds: number, inFlight: number, timeoutMs = 1000): Promise<LoadResult> {
    this.#stats = { sent: 0, answered: 0, lost: 0 };
    this.#nLat = 0;
    this.#pending.clear();
    this.#running = true;
    const sweep = setInterval(
      () => {
        const old = performance.now() - timeoutMs;
        for (const [key, at] of this.#pending) {
          if (at > old) continue;
          this.#pending.delete(key);
          this.#stats.lost++;
          if (this.#running) this.#sendNext();
        }
        if (!this.#running && this.#pending.size === 0) this.#idle?.();
      },
      Math.min(100, timeoutMs / 4),
    );
    const started = performance.now();
    for (let k = 0; k < inFlight; k++) this.#sendNext();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    this.#running = false;
    const elapsed = (performance.now() - started) / 1000;
    const { sent, answered, lost } = this.#stats;
    const p50Us = quantile(this.#latencies.subarray(0, this.#nLat), 0.5);
    const p99Us = quantile(this.#latencies.subarray(0, this.#nLat), 0.99);
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
      if (this.#pending.size === 0) resolve();
    });
    this.#idle = undefined;
    clearInterval(sweep);
    return {
      seconds: elapsed,
      sent: answered + lost,
      answered,
      lost,
      p50Us,
      p99Us,
      inFlightAtEnd: sent - answered - lost,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.#socks.length = 0;
  }
}
