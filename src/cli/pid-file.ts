import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, describeError } from '../core/errors.js';

/**
 * `--pid-file FILE` (HAProxy's `-p`, nginx's `pid`): the PID an operator signals (SIGHUP reload,
 * SIGUSR2 upgrade, SIGTERM stop), that is the started process (the supervisor, or the only process
 * with LB_SUPERVISOR=0), never a generation or a worker. Removed when that process exits, if it
 * still holds our PID (a newer process may have taken the file over).
 */
export function writePidFile(file: string, pid = process.pid): void {
  try {
    writeFileSync(file, `${pid}\n`);
  } catch (e) {
    throw new InvalidArgumentError(`--pid-file: cannot write ${file} (${describeError(e)})`);
  }
  process.once('exit', () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(pid)) unlinkSync(file);
    } catch {
      // already gone, or no longer ours to remove
    }
  });
}
