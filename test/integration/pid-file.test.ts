import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

const pidIn = (file: string): number => Number(readFileSync(file, 'utf8').trim());

for (const supervised of [true, false]) {
  test(`--pid-file holds the started process's PID (${supervised ? 'the supervisor' : 'LB_SUPERVISOR=0'}), the one to signal; removed at exit`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-pid-'));
    const file = join(dir, 'lb.pid');
    const port = await freePort();
    const lb = await startCli([String(port), '--host', '127.0.0.1', '-b', '127.0.0.1:1', '--pid-file', file], {
      env: supervised ? { LB_SUPERVISOR: undefined } : { LB_SUPERVISOR: '0' },
    });
    try {
      assert.equal(pidIn(file), lb.proc.pid, 'the started PID, not its generation');
      const children = readFileSync(`/proc/${lb.proc.pid}/task/${lb.proc.pid}/children`, 'utf8').trim();
      assert.equal(children !== '', supervised, supervised ? 'a generation runs under it' : 'one process');
    } finally {
      assert.equal(await lb.stop(), 0);
      assert.equal(existsSync(file), false, 'removed at exit');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('--pid-file that cannot be written: one clear line, exit 1, no port left open', async () => {
  const port = await freePort();
  const r = await runCli([String(port), '-b', '127.0.0.1:1', '--pid-file', '/nonexistent-dir/lb.pid'], 60_000);
  assert.equal(r.code, 1);
  assert.match(r.stderr.trim(), /^loadbalancer: --pid-file: cannot write \/nonexistent-dir\/lb\.pid \(ENOENT/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
