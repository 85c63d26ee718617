import { spawnSync } from 'node:child_process';
import { openFileLimits } from './proc-stats.js';

/**
 * Node cannot raise its own open-file limit: when the soft limit is below the hard one, run this
 * program again under `ulimit -n <hard>` (what it starts inherits it) and exit with its status.
 */
export function reexecWithMoreFiles(name: string): void {
  const { soft, hard } = openFileLimits();
  if (soft >= hard || process.env.LB_BENCH_NOFILE_RAISED) return;
  process.stderr.write(`${name}: raising the open-file limit from ${soft} to ${hard}\n`);
  const r = spawnSync(
    '/bin/sh',
    ['-c', `ulimit -n ${hard} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, LB_BENCH_NOFILE_RAISED: '1' } },
  );
  process.exit(r.status ?? 1);
}

/** Runs a bench program's `main` and exits with its status; an error is printed (with its stack) and exits 1. */
export function runProgram(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
