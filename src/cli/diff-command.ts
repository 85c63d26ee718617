import { diffConfigs } from '../config/diff.js';
import { diffLines } from '../config/diff-text.js';
import { loadConfigFile } from '../config/load.js';
import { reportProblems, stdio, type Output } from './config-file.js';

/**
 * `loadbalancer diff OLD NEW [--json]`: what a reload from OLD to NEW would change, one change a
 * line (or JSON). 0 when both files are valid, also with nothing to change; 1 with every problem
 * of each invalid file on stderr, as `check` prints them.
 */
export async function diffCommand(
  oldFile: string,
  newFile: string,
  o: { json?: boolean | undefined } = {},
  io: Output = stdio,
): Promise<number> {
  const [from, to] = await Promise.all([loadConfigFile(oldFile), loadConfigFile(newFile)]);
  if (!from.ok || !to.ok) {
    if (!from.ok) reportProblems(oldFile, from.issues, io);
    if (!to.ok) reportProblems(newFile, to.issues, io);
    return 1;
  }
  const diff = diffConfigs(from.config, to.config);
  const lines = diffLines(diff);
  if (o.json === true) io.out(`${JSON.stringify({ changes: lines.length, lines, diff }, null, 2)}\n`);
  else if (lines.length === 0) io.out(`no changes: a reload from ${oldFile} to ${newFile} would change nothing\n`);
  else io.out(`${lines.join('\n')}\n`);
  return 0;
}
