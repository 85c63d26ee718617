import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DATA_PLANE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { startCli } from '../helpers/cli.js';
import { echoServer } from '../helpers/net.js';

// The data-plane V8 flags belong to the program: `node dist/main.js` (what the `loadbalancer`
// bin, npx and a systemd unit run) gets them, in the process it started (same PID), and a flag
// the user gave wins.

const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

test('node dist/main.js: the process the caller started (same PID) runs with the data-plane flags', async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--health-interval', '0'], {
    env: { NODE_OPTIONS: '' },
  });
  try {
    const args = cmdline(lb.proc.pid!);
    for (const f of DATA_PLANE_NODE_FLAGS) assert.ok(args.includes(f), `${f} in ${args.join(' ')}`);
    assert.equal(lb.stderr(), '');
    assert.equal(readFileSync(`/proc/${lb.proc.pid!}/environ`, 'utf8').includes('LB_DATA_PLANE_FLAGS'), true); // set at exec
  } finally {
    assert.equal(await lb.stop(), 0, 'the PID the caller holds is the balancer: it drains and exits 0 on SIGTERM');
    await echo.close();
  }
});

test("the user's own NODE_OPTIONS wins: no re-execution, no flag added", async () => {
  const echo = await echoServer();
  const lb = await startCli(['0', '-b', `127.0.0.1:${echo.port}`, '--health-interval', '0'], {
    env: { NODE_OPTIONS: '--max-semi-space-size=4' },
  });
  try {
    const args = cmdline(lb.proc.pid!);
    assert.ok(!args.some((a) => a.startsWith('--max-semi-space-size')), args.join(' '));
  } finally {
    await lb.stop();
    await echo.close();
  }
});
