import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DATA_PLANE_NODE_FLAGS,
  ensureDataPlaneFlags,
  withDataPlaneFlags,
  type FlagsProcess,
} from '../../../src/cli/node-flags.js';

test('data-plane V8 flags are added unless the user set them (command line or NODE_OPTIONS)', () => {
  const cases: { execArgv: string[]; nodeOptions?: string; want: string[] }[] = [
    { execArgv: [], want: [...DATA_PLANE_NODE_FLAGS] },
    { execArgv: ['--enable-source-maps'], want: ['--enable-source-maps', ...DATA_PLANE_NODE_FLAGS] },
    { execArgv: ['--max-semi-space-size=16'], want: ['--max-semi-space-size=16'] },
    { execArgv: ['--max_semi_space_size=8'], want: ['--max_semi_space_size=8'] },
    { execArgv: [], nodeOptions: '--max-old-space-size=512 --max-semi-space-size=4', want: [] },
    { execArgv: [], nodeOptions: '--max-old-space-size=512', want: [...DATA_PLANE_NODE_FLAGS] },
  ];
  for (const c of cases) assert.deepEqual(withDataPlaneFlags(c.execArgv, c.nodeOptions), c.want, JSON.stringify(c));
});

function fakeProcess(over: Partial<FlagsProcess> = {}): {
  p: FlagsProcess;
  calls: [string, string[], NodeJS.ProcessEnv][];
} {
  const calls: [string, string[], NodeJS.ProcessEnv][] = [];
  const p: FlagsProcess = {
    execPath: '/usr/bin/node',
    execArgv: ['--import', 'tsx'],
    argv: ['/usr/bin/node', '/app/dist/main.js', '8000', '-b', 'x:1'],
    env: { PATH: '/bin' },
    execve: (file: string, args: string[], env: NodeJS.ProcessEnv) => {
      calls.push([file, args, env]);
      throw new Error('exec refused in a test');
    },
    ...over,
  };
  return { p, calls };
}

test('ensureDataPlaneFlags: re-executes the same command with the missing flags, same env plus a marker', () => {
  const { p, calls } = fakeProcess();
  const out = ensureDataPlaneFlags(p, () => undefined);
  assert.deepEqual(calls, [
    [
      '/usr/bin/node',
      ['/usr/bin/node', '--import', 'tsx', ...DATA_PLANE_NODE_FLAGS, '/app/dist/main.js', '8000', '-b', 'x:1'],
      { PATH: '/bin', LB_DATA_PLANE_FLAGS: 'applied' },
    ],
  ]);
  // the fake refused: the process goes on without them, and says so
  assert.deepEqual(out, { how: 'unavailable', reason: 'execve failed: exec refused in a test' });
});

test('ensureDataPlaneFlags: a flag of the user (command line, NODE_OPTIONS, either spelling) wins: no re-execution', () => {
  for (const over of [
    { execArgv: ['--max-semi-space-size=8'] },
    { execArgv: ['--max_semi_space_size=8'] },
    { env: { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=16' } },
  ]) {
    const { p, calls } = fakeProcess(over);
    assert.deepEqual(
      ensureDataPlaneFlags(p, () => undefined),
      { how: 'given' },
      JSON.stringify(over),
    );
    assert.equal(calls.length, 0);
  }
});

test('ensureDataPlaneFlags: the re-executed process does not loop and does not pass the marker on', () => {
  const { p, calls } = fakeProcess({ env: { LB_DATA_PLANE_FLAGS: 'applied' } });
  assert.deepEqual(
    ensureDataPlaneFlags(p, () => undefined),
    { how: 're-executed' },
  );
  assert.equal(calls.length, 0);
  assert.equal(p.env.LB_DATA_PLANE_FLAGS, undefined);
});

test('ensureDataPlaneFlags: a forked child keeps its IPC channel; without any execve it says why', () => {
  const ipc = fakeProcess({ channel: {} });
  assert.deepEqual(
    ensureDataPlaneFlags(ipc.p, () => undefined),
    { how: 'ipc-child' },
  );
  assert.equal(ipc.calls.length, 0);
  const none = fakeProcess({ execve: undefined });
  assert.deepEqual(
    ensureDataPlaneFlags(none.p, () => undefined),
    {
      how: 'unavailable',
      reason: 'no execve: Node < 22.15 without the native addon',
    },
  );
});
