// The V8 heap left after each full collection (pure), read from a Node process started with
// `--trace-gc --trace-gc-ignore-scavenger`. Resident memory rises and falls with V8's heap sizing
// (the old generation may grow to several times what is live before a full collection), so a
// rising RSS over a minute does not tell a leak; what is live after every full collection does.

export interface FullGc {
  /** Milliseconds since the process started. */
  readonly ms: number;
  /** Heap used before and after the collection, MB. */
  readonly beforeMB: number;
  readonly afterMB: number;
  /** Heap reserved after it, MB. */
  readonly committedMB: number;
}

// [1234:0x55d0c0]    13736 ms: Mark-Compact (reduce) 39.9 (42.6) -> 18.8 (40.1) MB, …
const LINE =
  /^\[(\d+):0x[0-9a-f]+\]\s+([\d.]+) ms: Mark-Compact(?: \(reduce\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB/gm;

/** Every full collection in `output`, by process id (a supervisor and its generation both print). */
export function fullGcs(output: string): Map<number, FullGc[]> {
  const out = new Map<number, FullGc[]>();
  for (const m of output.matchAll(LINE)) {
    const pid = Number(m[1]);
    const list = out.get(pid) ?? [];
    list.push({ ms: Number(m[2]), beforeMB: Number(m[3]), afterMB: Number(m[4]), committedMB: Number(m[5]) });
    out.set(pid, list);
  }
  return out;
}

/** The process that carries the traffic: the one whose heap grew largest before a collection. */
export function busiest(gcs: ReadonlyMap<number, readonly FullGc[]>): readonly FullGc[] {
  let best: readonly FullGc[] = [];
  let top = -1;
  for (const list of gcs.values()) {
    const peak = Math.max(...list.map((g) => g.beforeMB));
    if (peak > top) [best, top] = [list, peak];
  }
  return best;
}
