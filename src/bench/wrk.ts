import type { ProcessSet } from './procs.js';

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Us: number | undefined;
  readonly p99Us: number | undefined;
  /** connect + read + write + timeout socket errors */
  readonly errors: number;
  readonly non2xx: number;
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1000, s: 1e6, m: 60e6 };

/** Parses wrk's text report (`wrk --latency`). */
export function parseWrk(text: string): WrkResult {
  const done = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(text);
  if (!done) throw new Error(`unexpected wrk output: ${text.slice(0, 300)}`);
  const seconds = (Number(done[2]) * UNIT_US[done[3]!]!) / 1e6;
  const pct = (p: string): number | undefined => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) * UNIT_US[m[2]!]! : undefined;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const requests = Number(done[1]);
  return { requests, seconds, rps: requests / seconds, p50Us: pct('50'), p99Us: pct('99'), errors, non2xx };
}

export interface WrkRun {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** `Connection: close`: a new TCP connection per request */
  readonly close: boolean;
  readonly cpu: number | undefined;
}

export async function runWrk(procs: ProcessSet, r: WrkRun): Promise<WrkResult> {
  const args = ['-t1', `-c${r.connections}`, `-d${r.seconds}s`, '--latency', '--timeout', '5s'];
  if (r.close) args.push('-H', 'Connection: close');
  args.push(r.url);
  const out = await procs.run('wrk', 'wrk', args, { cpu: r.cpu, timeoutMs: (r.seconds + 15) * 1000 });
  if (out.code !== 0) throw new Error(`wrk exited with ${out.code}: ${out.stderr.slice(-300)}`);
  return parseWrk(out.stdout);
}
