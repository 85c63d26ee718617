import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export const hasProgram = (name: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

/**
 * True when `name` is installed. Otherwise the test fails under CI=true, and is skipped loudly
 * elsewhere, naming the Debian package to install.
 */
export function requireProgram(t: TestContext, name: string, debianPackage = name): boolean {
  if (hasProgram(name)) return true;
  const why = `${name} is not installed (Debian package: ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must install it (.ci/run)`);
  process.stderr.write(`\n*** SKIPPED "${t.name}": ${why} ***\n`);
  t.skip(why);
  return false;
}
