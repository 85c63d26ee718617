import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every UDP test again on the dgram path (relay: js): the default run covers the native engine
// (the listener's socket read in C++); this one the JavaScript path it falls back to. The
// helpers (test/helpers/udp.ts) start the load balancer with `relay: js` under LB_TEST_UDP_RELAY.

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));

test(
  'relay: js: every UDP integration test passes on the dgram path too',
  // every UDP file in turn: longer than one test file under a loaded suite
  { skip: process.env.LB_TEST_UDP_RELAY === 'js' && 'already on relay: js', timeout: 600_000 },
  async () => {
    const files = readdirSync(here)
      .filter((f) => f.endsWith('.test.ts') && f !== self)
      .sort()
      .map((f) => join(here, f));
    assert.ok(files.length >= 5, `UDP test files: ${files.join(', ')}`);
    const proc = spawn(process.execPath, ['--import', 'tsx', '--test', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // NODE_TEST_CONTEXT would make the inner runner report to this one in its binary protocol
      env: { ...process.env, LB_TEST_UDP_RELAY: 'js', NODE_TEST_CONTEXT: undefined },
    });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    const lines = out.split('\n');
    const failed = lines.filter((l) => l.startsWith('not ok'));
    // every failing test and subtest with what it reported (a nested one's error is not at the end)
    const details = lines
      .flatMap((l, i) => (/^\s*not ok/.test(l) ? [lines.slice(i, i + 25).join('\n')] : []))
      .join('\n...\n');
    assert.deepEqual(failed, [], details || out.slice(-4000));
    assert.equal(code, 0, details || out.slice(-4000));
    const passed = Number(/^# pass (\d+)$/m.exec(out)?.[1] ?? 0);
    assert.ok(passed >= 20, `${passed} tests passed on relay: js`);
  },
);
