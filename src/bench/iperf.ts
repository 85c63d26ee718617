import type { ProcessSet } from './procs.js';

interface IperfJson {
  readonly error?: string;
  readonly end?: { readonly sum_received?: { readonly bits_per_second?: number; readonly bytes?: number } };
}

/** Received throughput from `iperf3 -J` output, in bits per second. */
export function parseIperf(text: string): { bitsPerSecond: number; bytes: number } {
  const j = JSON.parse(text) as IperfJson;
  if (j.error) throw new Error(`iperf3: ${j.error}`);
  const r = j.end?.sum_received;
  if (r?.bits_per_second === undefined) throw new Error('iperf3: no sum_received in the report');
  return { bitsPerSecond: r.bits_per_second, bytes: r.bytes ?? 0 };
}

export interface IperfRun {
  readonly port: number;
  readonly seconds: number;
  /** -R: the server sends, the client receives */
  readonly reverse: boolean;
  readonly cpu: number | undefined;
}

/**
 * iperf3's own intermittent failures, seen on a loaded machine with or without a proxy in between
 * (esnet/iperf#751, #1149): its control connection closed near the end of a test, or the server
 * still busy with the previous one. Worth one retry; anything else is the proxy's to answer for.
 */
export function iperfFlaked(e: unknown): boolean {
  return /control socket has closed unexpectedly|server is busy/.test(e instanceof Error ? e.message : String(e));
}

/** One TCP stream through `port` to an iperf3 server (control and data connections both proxied). */
export async function runIperf(procs: ProcessSet, r: IperfRun): Promise<{ bitsPerSecond: number; bytes: number }> {
  const args = ['-c', '127.0.0.1', '-p', String(r.port), '-t', String(r.seconds), '-J', '--connect-timeout', '3000'];
  if (r.reverse) args.push('-R');
  const out = await procs.run('iperf3', 'iperf3', args, { cpu: r.cpu, timeoutMs: (r.seconds + 15) * 1000 });
  try {
    return parseIperf(out.stdout);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)} (exit ${out.code}) ${out.stderr.slice(-200)}`, {
      cause: e,
    });
  }
}
