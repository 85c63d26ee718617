/**
 * V8 flags for a process that carries connections. A 1 MiB semi-space (V8's default grows it to
 * 16 MiB, so the young generation takes up to 32 MiB of resident memory) cut the resident growth
 * under slow readers from 8.7 to 1.5 MiB, the RSS peak from 109 to 87 MiB and the memory per idle
 * proxied connection from 5.9 to 4.4 KB, at the same CPU per connection and per request
 * (docs/benchmarks.md, "What each optimization bought"). A young-generation collection costs in
 * proportion to what survives it, and a proxy's per-connection garbage mostly dies young.
 *
 * V8 reads it only when the process starts: cluster workers get it from the primary, and a single
 * process from its command line (`npm start`, or NODE_OPTIONS).
 */
export const DATA_PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** `execArgv` plus the data-plane flags the user did not set already (there or in NODE_OPTIONS). */
export function withDataPlaneFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const name = (flag: string): string => flag.split('=')[0]!.replace(/_/g, '-');
  const missing = DATA_PLANE_NODE_FLAGS.filter((f) => !given.some((g) => name(g) === name(f)));
  return [...execArgv, ...missing];
}
